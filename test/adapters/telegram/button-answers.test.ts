// Which button replies become an alert for the presser, and how an alert's text is fitted to Telegram's 200.
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ALERT_LIMIT, alertText, isNotice } from '../../../adapters/telegram/button-answers.js';
import { replyText } from '../../../adapters/telegram/render.js';
import type { CommandContext } from '../../../commands/context.js';
import { guard, ThrownAfterAdmission } from '../../../commands/guard.js';
import { type ReplyAdmitted, textReply } from '../../../commands/index.js';

/** The commands' own reply to a press whose work threw after its request's queue had admitted `admitted`. */
function thrownAfterAdmission(admitted: ReplyAdmitted, error: unknown = new Error('the queue went away')) {
  const ctx = { user: { platform: 'telegram', userId: '1' } } as CommandContext;
  return guard({ store: { dataDir: tmpdir() } }, ctx, async () => {
    throw new ThrownAfterAdmission(error, admitted);
  });
}

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

  it('an error naming what its request queued all the same is an alert for the presser, when it fits whole', async () => {
    const unsure = await thrownAfterAdmission({ jobs: [], unsure: true });
    expect(unsure.text.map((line) => line.key)).toEqual(['errors.generic', 'job.maybe_queued']);
    expect(replyText(unsure, 'en').length).toBeLessThanOrEqual(ALERT_LIMIT);
    expect(isNotice(unsure, 'en')).toBe(true);
    // Its lines, not an `ephemeral` flag, make it the presser's: not every one is an error.
    expect(isNotice({ ...unsure, ephemeral: undefined }, 'en')).toBe(true);
    // Cut to 200, it would lose the jobs it names (German, a full disk, three jobs): a message keeps them.
    const ids = ['aaaaaaaa-1', 'bbbbbbbb-2', 'cccccccc-3'];
    const long = await thrownAfterAdmission(
      { jobs: ids, unsure: true },
      Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }),
    );
    expect(long.text[0]?.key).toBe('errors.disk_full');
    expect(replyText(long, 'de').length).toBeGreaterThan(ALERT_LIMIT);
    expect(isNotice(long, 'de')).toBe(false);
    // With any other line it is a message; without a language to measure it in, as the commands made it (ephemeral).
    expect(isNotice(unsure)).toBe(true);
    expect(isNotice({ ...unsure, text: [{ key: 'job.done' }, ...unsure.text.slice(1)] }, 'en')).toBe(false);
    // Those lines are no refusal of their own, without an error beside them.
    expect(isNotice({ ...unsure, text: unsure.text.slice(1) }, 'en')).toBe(false);
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
