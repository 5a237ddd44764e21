// A line longer than a Telegram message goes in pieces, what it delivers with its last: it counts as delivered only
// once every piece was sent. Telegram refusing a middle piece leaves the line undelivered (listed again at the next
// /queue) and the rest of it unsent, while the lines after it still go. sendReply against the fake Bot API.
import { describe, expect, it } from 'vitest';
import { sendReply } from '../../../adapters/telegram/send.js';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { useBotApiOnFake } from './bot-api-on-fake.js';
import { textOf } from './telegram-on-fake.js';

const world = useBotApiOnFake();

/** A line of about three Telegram messages (4096 each): its start, its middle and its end marked. */
const LONG = `START ${'word '.repeat(1200)}MIDDLE ${'word '.repeat(1000)}END`;

/** A /queue-like reply: a line before, the long answer (job `long`), and a whole answer after it (job `after`). */
const reply: Reply = {
  text: [
    { key: 'queue.summary', params: { queued: 0, running: 0 } },
    { key: 'queue.undelivered_answer', params: { text: LONG }, delivers: 'long' },
    { key: 'queue.undelivered_answer', params: { text: 'a short answer' }, delivers: 'after' },
  ],
};

/** Sends `reply` to a fresh private chat of Alice's; the jobs its sent messages delivered, and the texts sent. */
async function send(): Promise<{ delivered: string[]; texts: string[]; error: unknown }> {
  const request = world.fake.injectText('/queue');
  const from = world.fake.calls.length;
  const delivered: string[] = [];
  const target = {
    chatId: request.chat.id,
    locale: 'en' as const,
    parameters: { reply_parameters: { message_id: request.message_id } },
    sent: (part: Reply) => {
      for (const line of part.text) if (line.delivers) delivered.push(line.delivers);
    },
  };
  const error = await sendReply(world.api, target, reply).then(
    () => undefined,
    (e: unknown) => e,
  );
  const texts = world.fake.calls
    .slice(from)
    .filter((c) => c.method === 'sendMessage' && c.status === 200)
    .map(textOf);
  return { delivered, texts, error };
}

describe('Telegram: a line in pieces', () => {
  it('sent whole, delivers with its last piece', async () => {
    const { delivered, texts, error } = await send();
    expect(error).toBeUndefined();
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(4096);
    expect(texts.join('')).toContain(LONG.slice(0, 100));
    expect(texts.join('')).toContain(LONG.slice(-100));
    expect(texts.filter((text) => text.includes('word'))).toHaveLength(3);
    expect(delivered).toEqual(['long', 'after']);
  });

  it('a refused middle piece: the rest of the line is not sent nor delivered; the lines after it go', async () => {
    world.fake.failMethod((c) => c.method === 'sendMessage' && textOf(c).includes('MIDDLE'));
    const { delivered, texts, error } = await send();
    expect(error).toBeDefined();
    // The long line does not deliver with a piece missing; the whole line after it does.
    expect(delivered).toEqual(['after']);
    // The piece before the refused one arrived; none after it did, the line's last included.
    expect(texts.filter((text) => text.includes('word'))).toHaveLength(1);
    expect(texts.some((text) => text.includes('START'))).toBe(true);
    expect(texts.some((text) => text.includes('END'))).toBe(false);
    // The whole line after the long one still went.
    const after = t('en', 'queue.undelivered_answer', { text: 'a short answer' });
    expect(texts.some((text) => text.split('\n').includes(after))).toBe(true);
  });
});
