// Text over a platform's limit is cut between whole characters: an emoji astride the limit goes whole or not at
// all (its lone half is invalid UTF-16: Telegram refuses the message, Discord shows a broken character).
import { describe, expect, it } from 'vitest';
import { toDiscordMessage } from '../../adapters/discord/render.js';
import { replyText } from '../../adapters/telegram/render.js';
import type { Reply } from '../../commands/index.js';

/** A describe answer whose 🦊 (two UTF-16 units) straddles position `at`. */
const answerAcross = (at: number): Reply => ({
  text: [{ key: 'job.answer', params: { text: `${'a'.repeat(at - 1)}🦊 and more` } }],
});

const wellFormed = (s: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

describe('cuts at the platforms’ limits', () => {
  it('Telegram: a text or caption never ends in half an emoji, and stays within its limit', () => {
    for (const limit of [4096, 1024]) {
      const text = replyText(answerAcross(limit - 1), 'en', limit);
      expect(text.length).toBeLessThanOrEqual(limit);
      expect(wellFormed(text)).toBe(true);
      expect(text.endsWith('…')).toBe(true);
    }
  });

  it('Discord: content never ends in half an emoji, and stays within 2000', () => {
    const { content } = toDiscordMessage(answerAcross(1999), 'en');
    expect(content.length).toBeLessThanOrEqual(2000);
    expect(wellFormed(content)).toBe(true);
  });
});
