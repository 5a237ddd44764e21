import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import {
  type FakeTelegram,
  startFakeTelegram,
  type TelegramCall,
} from '../../doubles/fake-telegram/index.js';
import { openE2eServices } from '../e2e-services.js';

const PRIVATE_GAP_MS = 100;
let fake: FakeTelegram;
let services: Services;
let running: Awaited<ReturnType<typeof startTelegram>>;
/** Status edits as the bot issued them, by its own clock. */
const issued: Array<{ method: string; chatId: unknown; at: number }> = [];
const STATUS_EDITS = new Set(['editMessageText', 'editMessageCaption', 'editMessageMedia']);

beforeAll(async () => {
  fake = await startFakeTelegram({ maxLongPollMs: 300, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  const opened = await openE2eServices(
    'telegram-preview',
    {
      TELEGRAM_TOKEN: fake.token,
      RATE_LIMIT_PER_MINUTE: '0',
    },
    { previewIntervalMs: 100 },
  );
  const { config, log } = opened;
  services = opened.services;
  // Previews every 100 ms instead of 1.5 s: each job shows several within its second or two.
  running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
    apiRoot: fake.apiRoot,
    editIntervalMs: { private: PRIVATE_GAP_MS, group: 300 },
  });
  running.bot.bot.api.config.use((prev, method, payload, signal) => {
    if (STATUS_EDITS.has(method))
      issued.push({ method, chatId: (payload as { chat_id?: unknown }).chat_id, at: Date.now() });
    return prev(method, payload, signal);
  });
  services.start();
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await services?.close();
  await fake?.stop();
});

const alice = () => fake.world.users.alice.id;
const captionOf = (call: TelegramCall) => String(call.params.media?.caption ?? call.params.caption ?? '');
const markupOf = (call: TelegramCall) => JSON.stringify(call.params.reply_markup ?? '');
const isJpeg = (bytes: Uint8Array | undefined) => bytes?.[0] === 0xff && bytes[1] === 0xd8;
const isPng = (bytes: Uint8Array | undefined) =>
  Buffer.from(bytes ?? [])
    .subarray(1, 4)
    .toString() === 'PNG';
const since = (from: number, method: string) => fake.calls.slice(from).filter((c) => c.method === method);
/** The result (a photo sent, or the status message edited into it) after the call at index `from`. */
const resultAfter = (from: number, chatId = alice()) =>
  fake.waitForCall(
    (c) =>
      fake.calls.indexOf(c) >= from &&
      (c.method === 'sendPhoto' || c.method === 'editMessageMedia') &&
      c.params.chat_id === chatId &&
      /reroll:/.test(markupOf(c)) &&
      c.status === 200,
    60_000,
  );

/** The bot's messages replying to `request`, oldest first (the status message, then any result sent apart). */
function repliesTo(request: Message): Message[] {
  return [...fake.state.messages.values()]
    .filter(
      (m) =>
        m.chat.id === request.chat.id &&
        m.from?.id === fake.world.bot.id &&
        m.reply_to_message?.message_id === request.message_id,
    )
    .sort((a, b) => a.message_id - b.message_id);
}

/** Sends `/imagine`, waits for its "queued" answer and returns the request and the status message's id. */
async function imagine(prompt: string, chat: 'private' | 'group' = 'private') {
  const request = fake.injectText(`/imagine ${prompt}`, { chat });
  await fake.waitForCall(
    (c) =>
      c.method === 'sendMessage' &&
      c.params.chat_id === request.chat.id &&
      c.params.reply_parameters?.message_id === request.message_id &&
      /Queued/.test(String(c.params.text)),
    20_000,
  );
  const status = repliesTo(request)[0];
  if (!status) throw new Error('no status message');
  return { request, statusId: status.message_id };
}

async function setPreviews(value: 'on' | 'off') {
  const from = fake.calls.length;
  fake.injectText(`/settings previews=${value}`);
  const answer = await fake.waitForCall(
    (c) =>
      fake.calls.indexOf(c) >= from &&
      c.method === 'sendMessage' &&
      /Settings saved/.test(String(c.params.text)),
    10_000,
  );
  expect(String(answer.params.text)).toContain(`progress previews ${value === 'on' ? '✓' : '✗'}`);
}

describe('Telegram progress previews', { timeout: 90_000 }, () => {
  it('private chat: the status becomes the preview photo, previews swap it, the result comes as a new photo', async () => {
    const from = fake.calls.length;
    const { request, statusId } = await imagine('a red fox --size 256x256 --steps 48');
    const result = await resultAfter(from);
    const previews = since(from, 'editMessageMedia').filter((c) => c.params.message_id === statusId);
    // The first preview turns the text into a photo, later ones swap it: each a small JPEG photo with the step as
    // caption and the Cancel button. After the last step the job decodes its image: when the chat's edit gap allows
    // (a loaded machine), the last caption says so instead, never an earlier one.
    expect(previews.length).toBeGreaterThanOrEqual(2);
    const finishing = t('en', 'job.finishing');
    const captions = previews.map(captionOf);
    for (const caption of captions.slice(0, -1)) expect(caption).toMatch(/step \d+ of 48/);
    const last = captions.at(-1) ?? '';
    if (!last.startsWith(finishing)) expect(last).toMatch(/step \d+ of 48/);
    for (const call of previews) {
      expect(call.status).toBe(200);
      expect(call.params.media?.type).toBe('photo');
      expect(isJpeg(call.files[0]?.bytes)).toBe(true);
      expect(markupOf(call)).toMatch(/cancel:/);
      expect(markupOf(call)).not.toMatch(/reroll:/);
    }
    // The result is a new photo replying to the request (Telegram notifies the user), with the lossless PNG, its
    // caption and the result keyboard; the preview message goes.
    expect(result.method).toBe('sendPhoto');
    expect(isPng(result.files[0]?.bytes)).toBe(true);
    expect(captionOf(result)).toMatch(/seed/i);
    expect(markupOf(result)).toMatch(/reroll:.*more:/);
    expect(result.params.reply_parameters?.message_id).toBe(request.message_id);
    expect(previews.every((c) => c.seq < result.seq)).toBe(true);
    await expect.poll(() => fake.message(alice(), statusId), { timeout: 5000 }).toBeUndefined();
    // Paced like text edits: the private-chat gap between any two status edits, text or media.
    const times = issued.filter((e) => e.chatId === alice()).map((e) => e.at);
    for (let i = 1; i < times.length - 1; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(PRIVATE_GAP_MS - 10);
    }
    // Never the same state twice: consecutive preview edits differ in image or caption.
    for (let i = 1; i < previews.length; i++) {
      const [a, b] = [previews[i - 1] as TelegramCall, previews[i] as TelegramCall];
      const same = Buffer.from(a.files[0]?.bytes ?? []).equals(Buffer.from(b.files[0]?.bytes ?? []));
      expect(same && captionOf(a) === captionOf(b)).toBe(false);
    }
  });

  it('a preview Telegram refuses costs nothing: progress goes on as text and the result is sent', async () => {
    fake.failMethod('editMessageMedia', { times: 1, errorCode: 400, description: 'Bad Request: injected' });
    const from = fake.calls.length;
    const { request, statusId } = await imagine('a blue fox --size 256x256 --steps 48');
    const photo = await resultAfter(from);
    expect(photo.method).toBe('sendPhoto');
    expect(isPng(photo.files[0]?.bytes)).toBe(true);
    expect(photo.params.reply_parameters?.message_id).toBe(request.message_id);
    // One refused try, no more for this job; the text edits went on after it.
    const media = since(from, 'editMessageMedia');
    expect(media.map((c) => c.status)).toEqual([400]);
    const refusedAt = media[0]?.seq ?? 0;
    expect(
      since(from, 'editMessageText').some((c) => c.seq > refusedAt && c.params.message_id === statusId),
    ).toBe(true);
    // The text status went once the result was there.
    await expect.poll(() => fake.message(alice(), statusId), { timeout: 5000 }).toBeUndefined();
  });

  it('in groups by default, and with previews off (a setting), the status stays text', async () => {
    let from = fake.calls.length;
    await imagine('a white fox --size 256x256 --steps 8', 'group');
    expect((await resultAfter(from, fake.world.group.id)).method).toBe('sendPhoto');
    expect(since(from, 'editMessageMedia')).toEqual([]);

    await setPreviews('off');
    // A test double around the real engine keeps this job running a little past its last step, longer than the
    // chat's edit gap, so its progress must show as a text edit (an 8-step job on the tiny model could finish
    // before the first edit was due, and then there was nothing to assert).
    const engine = services.engine;
    if (!engine) throw new Error('the preview test needs the local engine');
    const real = engine.generate.bind(engine);
    engine.generate = async (request, options) => {
      const result = await real(request, options);
      if (request.task === 'text_to_image' && request.prompt === 'a grey fox')
        await new Promise((resolve) => setTimeout(resolve, PRIVATE_GAP_MS * 2));
      return result;
    };
    try {
      from = fake.calls.length;
      await imagine('a grey fox --size 256x256 --steps 8');
      expect((await resultAfter(from)).method).toBe('sendPhoto');
      expect(since(from, 'editMessageMedia')).toEqual([]);
      expect(since(from, 'editMessageText').length).toBeGreaterThan(0);
    } finally {
      engine.generate = real;
    }
  });
});
