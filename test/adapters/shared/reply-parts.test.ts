// The split of an answer too long for one message, shared by Discord (2000) and Telegram (4096): between whole
// lines, in order, none lost; a line over the limit alone, or in pieces where the platform sends a long text so; a
// job's first reply split too, its status message first, so a line that must be seen to count is never cut off.
import { describe, expect, it } from 'vitest';
import { cutText, PIECE_KEY, replyParts } from '../../../adapters/shared/reply-parts.js';
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

  it('splits a job’s first reply too: its status message holds the first lines, with room for its ETA', () => {
    const notice: ReplyText = {
      key: 'job.undelivered_notice',
      params: { text: 'n'.repeat(5) },
      tells: ['j1'],
    };
    const job: Reply = {
      text: [line('a'.repeat(8)), notice],
      jobId: JOB,
      startsJob: true,
      etaAt: 1_000,
      buttons: [[{ id: `cancel:${JOB}`, labelKey: 'button.cancel', style: 'danger' }]],
      ephemeral: false,
    };
    // Cut to 10, the notice past the 8 would be lost, and told.
    const parts = replyParts(job, 10, measure);
    expect(parts).toEqual([
      { ...job, text: [job.text[0]] },
      { text: [notice], ephemeral: false },
    ]);
    // The first message's room less its ETA line: the first line goes on alone, and the status message keeps the job.
    const eta = replyParts(job, 14, measure, { first: 7 });
    expect(eta).toEqual([
      { ...job, text: [] },
      { text: [job.text[0], notice], ephemeral: false },
    ]);
    expect(replyParts(job, 14, measure)).toEqual([job]);
  });

  it('cuts a line longer than a message into pieces where it can render it, what it tells going with the last', () => {
    const long: ReplyText = {
      key: 'job.answer',
      params: { text: `${'word '.repeat(7)}end` },
      delivers: 'j2',
    };
    const reply: Reply = { text: [line('a'), long, line('b')], ephemeral: true };
    const render = (l: ReplyText) => String(l.params?.text ?? '');
    const parts = replyParts(reply, 12, measure, { render });
    const lines = parts.flatMap((p) => p.text);
    for (const part of parts)
      expect(part.text.map(measure).reduce((a, b) => a + b + 1, -1)).toBeLessThanOrEqual(12);
    const pieces = lines.filter((l) => l.key === PIECE_KEY);
    expect(pieces.map(render).join('')).toBe(render(long));
    // Cut after a space, and only the last piece delivers: the line counts once all of it was sent.
    expect(pieces.slice(0, -1).every((p) => render(p).endsWith(' ') && p.delivers === undefined)).toBe(true);
    expect(pieces.at(-1)?.delivers).toBe('j2');
    expect(lines.at(0)).toEqual(reply.text[0]);
    expect(lines.at(-1)).toEqual(reply.text[2]);
    // A caption's smaller room: a first line that fits only a later message leaves the first without text.
    const caption = replyParts({ text: [line('x'.repeat(9))], images: [] }, 12, measure, {
      first: 5,
      render,
    });
    expect(caption.map((p) => p.text.map(measure))).toEqual([[], [9]]);
  });

  it('cuts a text between whole characters, at a space near the end where there is one', () => {
    expect(cutText('aaaa bbbb cccc', 12)).toEqual(['aaaa bbbb ', 'cccc']);
    expect(cutText('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    // A space far from the end is passed over: the piece would be mostly empty.
    expect(cutText(`a ${'b'.repeat(20)}`, 10)).toEqual(['a bbbbbbbb', 'b'.repeat(10), 'bb']);
    const fox = `${'a'.repeat(4)}🦊b`;
    expect(cutText(fox, 5)).toEqual(['aaaa', '🦊b']);
    expect(cutText('', 5)).toEqual(['']);
  });

  it('a later reply naming a job (a /cancel answer) is split as any other', () => {
    const long = [line('a'.repeat(8)), line('b'.repeat(8))];
    expect(replyParts({ text: long, jobId: JOB }, 10, measure)).toHaveLength(2);
  });
});
