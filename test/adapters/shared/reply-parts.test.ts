// The split of an answer too long for one message, shared by Discord (2000) and Telegram (4096): between whole
// lines, in order, none lost; a line over the limit alone; a job's status message never split.
import { describe, expect, it } from 'vitest';
import { replyParts } from '../../../adapters/shared/reply-parts.js';
import type { Reply, ReplyText } from '../../../commands/index.js';

const JOB = '0f0f0f0f-1111-4222-8333-444455556666';
const line = (text: string): ReplyText => ({ key: 'job.answer', params: { text } });
const measure = (l: ReplyText) => String(l.params?.text ?? '').length;
const joined = (parts: readonly Reply[]) => parts.map((p) => p.text.map(measure));

describe('replyParts', () => {
  it('keeps a reply that fits as it is', () => {
    const reply: Reply = { text: [line('a'.repeat(5)), line('b'.repeat(4))], ephemeral: true };
    // 5 + 1 + 4 = 10: exactly the limit.
    expect(replyParts(reply, 10, measure)).toEqual([reply]);
    expect(replyParts({ text: [] }, 10, measure)).toEqual([{ text: [] }]);
  });

  it('splits between whole lines, each part within the limit counting its newlines', () => {
    const reply: Reply = {
      text: [line('a'.repeat(4)), line('b'.repeat(4)), line('c'.repeat(4)), line('d'.repeat(9))],
      buttons: [[{ id: `cancel:${JOB}`, labelKey: 'button.cancel', style: 'danger' }]],
      ephemeral: true,
    };
    const parts = replyParts(reply, 9, measure);
    expect(joined(parts)).toEqual([[4, 4], [4], [9]]);
    expect(parts.flatMap((p) => p.text)).toEqual(reply.text);
    // The first is the reply (its buttons); the others its lines alone, as private as it.
    expect(parts[0]).toEqual({ ...reply, text: reply.text.slice(0, 2) });
    for (const part of parts.slice(1)) expect(part).toEqual({ text: part.text, ephemeral: true });
  });

  it('puts a line longer than the limit alone, the lines around it whole', () => {
    const reply: Reply = { text: [line('a'), line('x'.repeat(30)), line('b')] };
    const parts = replyParts(reply, 10, measure);
    expect(joined(parts)).toEqual([[1], [30], [1]]);
    expect(parts[1]).toEqual({ text: [reply.text[1]] });
  });

  it('measures lines as the platform does (UTF-16 units here)', () => {
    const emoji = '😀'.repeat(3); // 6 UTF-16 units
    const units = (l: ReplyText) => String(l.params?.text ?? '').length;
    expect(replyParts({ text: [line(emoji), line(emoji)] }, 12, units)).toHaveLength(2);
    expect(replyParts({ text: [line(emoji), line(emoji)] }, 13, units)).toHaveLength(1);
  });

  it('never splits a job’s status message, nor a reply counting down its ETA', () => {
    const long = [line('a'.repeat(8)), line('b'.repeat(8))];
    const job: Reply = { text: long, jobId: JOB, startsJob: true };
    expect(replyParts(job, 10, measure)).toEqual([job]);
    const eta: Reply = { text: long, etaAt: 1_000 };
    expect(replyParts(eta, 10, measure)).toEqual([eta]);
    // A later reply naming a job (a /cancel answer) is no status message.
    expect(replyParts({ text: long, jobId: JOB }, 10, measure)).toHaveLength(2);
  });
});
