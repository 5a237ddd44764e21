// A photo's caption holds 1024 characters; lines past them go on in messages answering the photo. A first line longer
// than that (up to a message's 4096) fitted no caption and left it empty, the line following as a reply. The caption
// now shows the line's start, cut at a word with an ellipsis, and the reply still holds the line whole: on a status
// message that became a photo (a preview) and ends with text, and under a result's photo. StatusMessage and
// sendReply against the fake Bot API.
import { InputFile } from 'grammy';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { PIECE_KEY } from '../../../adapters/shared/reply-parts.js';
import { sendReply } from '../../../adapters/telegram/send.js';
import { StatusMessage } from '../../../adapters/telegram/status-message.js';
import type { Reply } from '../../../commands/index.js';
import { solidPng } from '../e2e-services.js';
import { useBotApiOnFake } from './bot-api-on-fake.js';

const world = useBotApiOnFake();

/** One line of some 2000 characters, of words: more than a caption, less than a message. */
const LINE = `Once ${Array.from({ length: 330 }, (_, i) => `word${i}`).join(' ')} END`;
const longLine = (extra: Partial<Reply> = {}): Reply => ({
  text: [{ key: PIECE_KEY, params: { text: LINE } }],
  ...extra,
});

/** The caption shows the line's start, cut after a whole word, and says that it goes on. */
function expectLead(caption: string | undefined): void {
  expect(caption?.endsWith('…')).toBe(true);
  const shown = (caption ?? '').slice(0, -1);
  expect(shown.length).toBeGreaterThan(100);
  expect(shown.length).toBeLessThan(1024);
  expect(LINE.startsWith(shown)).toBe(true);
  expect(LINE.charAt(shown.length)).toBe(' ');
}

const answering = (message: Message) =>
  world.fake.callsTo(
    (c) =>
      c.method === 'sendMessage' &&
      c.params.reply_parameters?.message_id === message.message_id &&
      c.status === 200,
  );

describe('Telegram: a first line too long for a caption', () => {
  it('on a status message that is a photo: the caption shows its start; the reply below holds it whole', async () => {
    const chatId = world.fake.injectText('/imagine a fox').chat.id;
    const photo = await world.api.sendPhoto(
      chatId,
      new InputFile(Buffer.from(await solidPng('#3a6')), 'p.png'),
      {
        caption: 'Step 3 of 8',
      },
    );
    const status = new StatusMessage({
      api: world.api,
      chatId,
      messageId: photo.message_id,
      locale: 'en',
      text: 'Step 3 of 8',
      previews: true,
      photo: true,
      warn: () => undefined,
    });
    await status.finish(longLine({ final: true, outcome: 'failed' }));
    expectLead(world.fake.message(chatId, photo.message_id)?.caption);
    expect(answering(photo).map((c) => c.params.text)).toEqual([LINE]);
  });

  it("under a result's photo: the same", async () => {
    const chatId = world.fake.injectText('/imagine a fox').chat.id;
    const image = { data: await solidPng('#36a'), filename: 'r.png', mime: 'image/png' as const };
    await sendReply(world.api, { chatId, locale: 'en', parameters: {} }, longLine({ images: [image] }));
    const sent = world.fake.callsTo('sendPhoto').at(-1)?.result as Message;
    expectLead(sent.caption);
    expect(answering(sent).map((c) => c.params.text)).toEqual([LINE]);
  });
});
