// A double tap on a result's button: Telegram sends two callback queries, each with its own id. A button that starts
// a job (Re-roll) starts one; both presses are answered (no spinner left). The real grammY client on the fake Bot
// API, on the engine double.
import type { Message } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { waitUntil } from '../../doubles/shared/wait.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { startTelegramOnFake, type TelegramOnFake } from './telegram-on-fake.js';

let bot: TelegramOnFake | undefined;
const unhandled = watchUnhandledRejections();

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
  expect(unhandled.rejections).toEqual([]);
});

const rerollOf = (c: TelegramCall) =>
  /reroll:([0-9a-f-]{36})/.exec(JSON.stringify(c.params.reply_markup ?? ''))?.[1];

describe('Telegram: a double tap on a button', { timeout: 60_000 }, () => {
  it('Re-roll tapped twice at once makes one job; tapped again later, another', async () => {
    bot = await startTelegramOnFake('telegram-double-tap', new TimedEngineDouble(4, 5));
    const { fake, services } = bot;
    const alice = fake.world.users.alice;
    fake.injectText('/imagine a fox');
    const result = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && rerollOf(c) !== undefined,
      10_000,
    );
    const jobId = rerollOf(result) as string;
    const message = result.result as Message;
    const owner = { platform: 'telegram' as const, userId: String(alice.id) };
    const jobs = () => services.jobs.store.recentOf(owner, 50).length;
    expect(jobs()).toBe(1);

    fake.injectCallbackQuery(message, `reroll:${jobId}`, alice);
    fake.injectCallbackQuery(message, `reroll:${jobId}`, alice);
    await waitUntil(() => fake.callsTo('answerCallbackQuery').length >= 2, 'both presses answered', 10_000);
    await waitUntil(() => jobs() >= 2, 'the re-roll is queued', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(jobs()).toBe(2);

    await new Promise((resolve) => setTimeout(resolve, 2_100));
    fake.injectCallbackQuery(message, `reroll:${jobId}`, alice);
    await waitUntil(() => jobs() === 3, 'a later tap re-rolls again', 10_000);
  });
});
