// Which button replies become an alert for the presser, and how an alert's text is fitted to Telegram's 200.
import { describe, expect, it } from 'vitest';
import { ALERT_LIMIT, alertText, isNotice } from '../../../adapters/telegram/button-answers.js';
import { textReply } from '../../../commands/index.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('button answers', () => {
  it('an ephemeral text or a refusal is a notice; anything a message must carry is not', () => {
    expect(isNotice(textReply('errors.button.owner_only'))).toBe(true);
    expect(isNotice(textReply('cancel.done'))).toBe(true);
    // A refusal is one even when its reply does not say ephemeral.
    expect(isNotice({ text: [{ key: 'errors.job.not_found' }] })).toBe(true);
    expect(isNotice({ text: [{ key: 'job.queued_unmeasured_zero' }], jobId: 'j', startsJob: true })).toBe(
      false,
    );
    expect(isNotice({ text: [{ key: 'help.intro' }] })).toBe(false);
    const image = { data: new Uint8Array(1), filename: 'a.png', mime: 'image/png' as const };
    expect(isNotice({ ...textReply('job.done'), images: [image] })).toBe(false);
    const buttons = [[{ id: 'reroll:x', labelKey: 'button.reroll', style: 'secondary' as const }]];
    expect(isNotice({ ...textReply('queue.title'), buttons })).toBe(false);
    expect(isNotice({ ...textReply('errors.generic'), more: [textReply('job.done')] })).toBe(false);
    expect(isNotice({ text: [], deleteSource: true, ephemeral: true })).toBe(false);
  });

  it('fits the alert in 200 UTF-16 units with an ellipsis, never splitting a surrogate pair', () => {
    expect(alertText('Only you can do that.')).toBe('Only you can do that.');
    const exact = 'x'.repeat(ALERT_LIMIT);
    expect(alertText(exact)).toBe(exact);
    const long = alertText('y'.repeat(300));
    expect(long).toHaveLength(ALERT_LIMIT);
    expect(long.endsWith('…')).toBe(true);
    // An emoji (two UTF-16 units) across the cut goes whole, not half.
    const emoji = alertText(`${'z'.repeat(ALERT_LIMIT - 2)}🦊🦊🦊`);
    expect(emoji).toBe(`${'z'.repeat(ALERT_LIMIT - 2)}…`);
    expect(LONE_SURROGATE.test(emoji)).toBe(false);
    const after = alertText(`${'z'.repeat(ALERT_LIMIT - 3)}🦊🦊🦊`);
    expect(after).toBe(`${'z'.repeat(ALERT_LIMIT - 3)}🦊…`);
    expect(after.length).toBeLessThanOrEqual(ALERT_LIMIT);
  });
});
