import type { StoredBotUpdate } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import { waitUntil } from '../../doubles/shared/wait.js';
import { startTelegramTestApi, type TelegramTestApi } from '../../doubles/telegram-test-api.js';
import { openE2eServices } from '../e2e-services.js';

let api: TelegramTestApi;
let services: Services;
let running: Awaited<ReturnType<typeof startTelegram>>;
/** What the bot answered button presses with (the emulator keeps no record of it). */
const callbackAnswers: Array<{ text?: string; show_alert?: boolean }> = [];
/** Every text each bot message has shown, in order (the emulator edits its stored message in place). */
const history = new Map<number, string[]>();

const GROUP = -100777;
const ALICE = 1001;
const BOB = 1002;

beforeAll(async () => {
  api = await startTelegramTestApi({ token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz', maxLongPollMs: 300 });
  const opened = await openE2eServices('telegram-text', {
    TELEGRAM_TOKEN: api.token,
    RATE_LIMIT_PER_MINUTE: '0',
    QUEUE_MAX_PER_USER: '10',
    BLOCKED_WORDS: 'gore',
  });
  const { config, log } = opened;
  services = opened.services;
  const record = () => {
    for (const update of api.emulator.storage.botMessages) {
      const seen = history.get(update.messageId) ?? [];
      const text = String(update.message.text ?? '');
      if (seen.at(-1) !== text) seen.push(text);
      history.set(update.messageId, seen);
    }
  };
  api.emulator.on('AddedBotMessage', record);
  api.emulator.on('EditedMessageText', record);
  running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
    apiRoot: api.apiRoot,
    editIntervalMs: { private: 100, group: 300 },
  });
  running.bot.bot.api.config.use((prev, method, payload, signal) => {
    if (method === 'answerCallbackQuery') callbackAnswers.push(payload as (typeof callbackAnswers)[number]);
    return prev(method, payload, signal);
  });
  services.start();
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await services?.close();
  await api?.stop();
});

const alicePrivate = () =>
  api.client({ userId: ALICE, chatId: ALICE, firstName: 'Alice', userName: 'alice' });
const inGroup = (userId: number, firstName: string) =>
  api.client({ userId, chatId: GROUP, type: 'group', firstName, userName: firstName.toLowerCase() });

/** A user types a command; `language` is their Telegram app language. */
async function command(client: ReturnType<TelegramTestApi['client']>, text: string, language = 'en') {
  await client.sendCommand(client.makeCommand(text, { from: { language_code: language } } as never));
}

const botMessages = () => api.emulator.storage.botMessages.filter((u) => u.botToken === api.token);
const textOf = (update: StoredBotUpdate) => String(update.message.text ?? '');
const markupOf = (update: StoredBotUpdate) => JSON.stringify(update.message.reply_markup ?? '');

/** The first message to `chatId`, sent after the first `after` bot messages, whose text matches. */
async function said(chatId: number, match: RegExp | string, after: number, timeoutMs = 20_000) {
  const test = (text: string) => (typeof match === 'string' ? text === match : match.test(text));
  const find = () =>
    botMessages()
      .slice(after)
      .find((u) => String(u.message.chat_id) === String(chatId) && test(textOf(u)));
  await waitUntil(() => find() !== undefined, `the bot says ${match} in chat ${chatId}`, timeoutMs).catch(
    (error: Error) => {
      throw new Error(`${error.message}; bot messages: ${JSON.stringify(botMessages().map(textOf))}`);
    },
  );
  return find() as StoredBotUpdate;
}

const jobsOf = (userId: number) =>
  services.jobs.store.recentOf({ platform: 'telegram', userId: String(userId) }, 50);

describe('Telegram text flows against telegram-test-api', { timeout: 90_000 }, () => {
  it('/start and /help answer with the help text in the user’s language, Telegram’s mask hint included', async () => {
    const before = botMessages().length;
    await command(alicePrivate(), '/start');
    const help = await said(ALICE, /\/imagine/, before);
    expect(textOf(help)).toContain(t('en', 'help.text'));
    expect(textOf(help)).toContain(t('en', 'help.telegram.mask'));
    await command(inGroup(BOB, 'Bob'), '/help', 'zh-hans');
    const chinese = await said(GROUP, /\/imagine/, before);
    expect(textOf(chinese)).toContain(t('zh-CN', 'help.text'));
  });

  it('/imagine answers "queued" with a Cancel button at once, then edits the same message with progress', async () => {
    const before = botMessages().length;
    await command(alicePrivate(), '/imagine a red fox --steps 6');
    const queued = await said(ALICE, /^Queued/, before);
    expect(markupOf(queued)).toMatch(/"callback_data":"cancel:[0-9a-f-]{36}"/);
    const id = queued.messageId;
    await waitUntil(
      () => (history.get(id) ?? []).some((text) => /step \d+ of 6/.test(text)),
      'a progress edit',
      30_000,
    );
    // The emulator has no sendPhoto: the finished result cannot be delivered, so the job is marked undelivered and
    // the status message says so instead of hanging at the last step (the photo itself is checked against the
    // local stand-in).
    await waitUntil(
      () => (history.get(id) ?? []).at(-1) === t('en', 'job.undelivered'),
      'the status ends with a message',
      60_000,
    );
    const jobId = /cancel:([0-9a-f-]{36})/.exec(markupOf(queued))?.[1];
    const undelivered = services.jobs.store.deliveries.undeliveredOf({
      platform: 'telegram',
      userId: String(ALICE),
    });
    expect(undelivered.map((job) => job.id)).toContain(jobId);
    const texts = history.get(id) ?? [];
    expect(texts[0]).toMatch(/^Queued/);
    expect(new Set(texts).size).toBe(texts.length); // no edit repeats the text it replaces
  });

  it('/queue lists the user’s jobs; /cancel and the Cancel button are refused to others and work for the owner', async () => {
    const alice = inGroup(ALICE, 'Alice');
    const bob = inGroup(BOB, 'Bob');
    const before = botMessages().length;
    // Two long jobs: the second waits behind the first, so it is still there to cancel.
    await command(alice, '/imagine a very slow one --steps 128');
    const first = await said(GROUP, /^Queued/, before);
    await command(alice, '/imagine another slow one --steps 128');
    const second = await said(GROUP, /^Queued/, botMessages().indexOf(first) + 1);
    const secondId = /cancel:([0-9a-f-]{36})/.exec(markupOf(second))?.[1] as string;
    const firstId = /cancel:([0-9a-f-]{36})/.exec(markupOf(first))?.[1] as string;

    await command(alice, '/queue');
    const queue = await said(GROUP, /^Queue:/, before);
    // Each job by its prompt and id, each with its numbered Cancel.
    expect(textOf(queue)).toContain(`2. “another slow one”: `);
    expect(textOf(queue)).toContain(`(${secondId.slice(0, 8)})`);
    expect(markupOf(queue)).toContain(`cancel:${secondId}`);
    expect(markupOf(queue)).toContain('Cancel 2');

    // Bob's app is in Chinese: refusals come in his language; the job stays.
    const refusal = t('zh-CN', 'job.cancel_refused');
    await command(bob, `/cancel ${secondId}`, 'zh-hans');
    const typed = await said(GROUP, refusal, before);
    await bob.sendCallback(
      bob.makeCallbackQuery(`cancel:${secondId}`, {
        message: { message_id: second.messageId },
        from: { language_code: 'zh-hans' },
      } as never),
    );
    // The button's refusal is an alert for Bob alone: nothing more is posted in the group.
    await waitUntil(
      () => callbackAnswers.some((a) => a.text === refusal && a.show_alert === true),
      'the Cancel button is refused with an alert',
      10_000,
    );
    expect(
      botMessages()
        .slice(botMessages().indexOf(typed) + 1)
        .filter((u) => textOf(u) === refusal),
    ).toEqual([]);
    expect(services.jobs.queue.get(secondId)?.status).toBe('queued');

    // The owner: a prefix from /queue is enough; the status message then says "Cancelled".
    await command(alice, `/cancel ${secondId.slice(0, 8)}`);
    await said(
      GROUP,
      t('en', 'cancel.done_named', { prompt: 'another slow one', id: secondId.slice(0, 8) }),
      before,
    );
    expect(services.jobs.queue.get(secondId)?.status).toBe('cancelled');
    await waitUntil(
      () => (history.get(second.messageId) ?? []).at(-1) === t('en', 'job.cancelled'),
      'the status message shows the cancellation',
      10_000,
    );
    // And with the button, the running one.
    await alice.sendCallback(
      alice.makeCallbackQuery(`cancel:${firstId}`, { message: { message_id: first.messageId } } as never),
    );
    await waitUntil(
      () => services.jobs.queue.get(firstId)?.status === 'cancelled',
      'the running job stops',
      20_000,
    );
  });

  it('/settings shows, saves and refuses unknown settings', async () => {
    const alice = alicePrivate();
    const before = botMessages().length;
    await command(alice, '/settings steps=20 aspect=16:9');
    const saved = await said(ALICE, /^Settings saved\./, before);
    expect(textOf(saved)).toMatch(/aspect 16:9, steps 20/);
    await command(alice, '/settings');
    await said(ALICE, /^Your settings: .*aspect 16:9, steps 20/, botMessages().indexOf(saved) + 1);
    await command(alice, '/settings colour=red');
    await said(ALICE, t('en', 'errors.settings.unknown', { option: 'colour' }), before);
  });

  it('refuses blocked words, empty and over-long prompts with one localized message and queues nothing', async () => {
    const alice = alicePrivate();
    const bob = inGroup(BOB, 'Bob');
    const aliceJobs = jobsOf(ALICE).length;
    const bobJobs = jobsOf(BOB).length;
    const before = botMessages().length;
    await command(alice, '/imagine a scene full of GORE');
    await said(ALICE, t('en', 'errors.blocked_words'), before);
    await command(bob, '/imagine 一只狐狸 gore', 'zh-hans');
    await said(GROUP, t('zh-CN', 'errors.blocked_words'), before);
    await command(alice, `/imagine ${'a'.repeat(1001)}`);
    await said(ALICE, t('en', 'errors.prompt_too_long', { length: 1001, limit: 1000 }), before);
    await command(alice, '/draw');
    await said(ALICE, t('en', 'errors.prompt_empty'), before);
    expect(jobsOf(ALICE)).toHaveLength(aliceJobs);
    expect(jobsOf(BOB)).toHaveLength(bobJobs);
    // Each refusal is one message.
    expect(botMessages().length - before).toBe(4);
  });
});
