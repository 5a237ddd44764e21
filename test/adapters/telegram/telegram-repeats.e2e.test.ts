// Updates Telegram delivers again after a restart (adapters/telegram/repeats.ts), with the real grammY client against
// the fake Bot API on the engine double: the adapter and the services stop, the fake keeps the updates, a new run
// opens the same DATA_DIR and gets an update it had handled. A request is not run again, a bare /cancel does not
// cancel the request sent after it, and a button press does not make its job twice. An instant command (/help) is
// confirmed before it is answered, so an answered one is not delivered again.
import type { Message, User } from 'grammy/types';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/services.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { jobIdIn, newUsers, useRestartingTelegram } from './telegram-on-fake.js';

const telegram = useRestartingTelegram('telegram-repeats');
const { start, restart } = telegram;
let fake: FakeTelegram;

beforeEach(() => {
  fake = telegram.fake;
});

const newUser = newUsers(7000);

const toChat = (chatId: number) => (c: TelegramCall) => String(c.params.chat_id) === String(chatId);
const queuedIn = (chatId: number) => (c: TelegramCall) =>
  c.method === 'sendMessage' && toChat(chatId)(c) && jobIdIn(c) !== undefined;
const answering = (request: Message) => (c: TelegramCall) =>
  toChat(request.chat.id)(c) && c.params.reply_parameters?.message_id === request.message_id;

/** A chat's updates are handled in order: once a later /help is answered, the ones before it were handled. */
async function settled(from: User): Promise<void> {
  const marker = fake.injectText('/help', { from });
  await fake.waitForCall((c) => c.method === 'sendMessage' && answering(marker)(c), 15_000);
}

const jobsOf = (services: Services, from: User) =>
  services.jobs.store.recentOf({ platform: 'telegram', userId: String(from.id) }, 50);

describe('Telegram updates delivered again after a restart', { timeout: 60_000 }, () => {
  it('a request makes one job and one result, and is answered once', async () => {
    const engine = new TimedEngineDouble(40, 6);
    await start(engine);
    const from = newUser();
    fake.injectText('/imagine once', { from });
    const update = fake.lastUpdateId;
    await fake.waitForCall(queuedIn(from.id), 10_000);
    const { services } = await restart([update]);
    await settled(from);
    await expect
      .poll(() => jobsOf(services, from).map((j) => j.status), { timeout: 15_000, interval: 50 })
      .toEqual(['done']);
    await fake.waitForCall((c) => c.method === 'sendPhoto' && toChat(from.id)(c), 10_000);
    expect(fake.callsTo(queuedIn(from.id))).toHaveLength(1);
    expect(fake.callsTo((c) => c.method === 'sendPhoto' && toChat(from.id)(c))).toHaveLength(1);
  });

  it('a bare /cancel delivered again leaves the request sent after it alone', async () => {
    // Slow enough that the second request is still waiting or running when the updates come again.
    const engine = new TimedEngineDouble(300, 20);
    await start(engine);
    const from = newUser();
    fake.injectText('/imagine first', { from });
    await fake.waitForCall(queuedIn(from.id), 10_000);
    const cancel = fake.injectText('/cancel', { from });
    const cancelUpdate = fake.lastUpdateId;
    await fake.waitForCall(answering(cancel), 10_000);
    fake.injectText('/imagine second', { from });
    const secondUpdate = fake.lastUpdateId;
    await fake.waitForCalls(queuedIn(from.id), 2, 10_000);
    const { services } = await restart([cancelUpdate, secondUpdate]);
    await settled(from);
    const [second, first, ...others] = jobsOf(services, from);
    expect(others).toEqual([]);
    expect(first?.status).toBe('cancelled');
    expect(second?.status).not.toBe('cancelled');
    expect(fake.callsTo(answering(cancel))).toHaveLength(1);
  });

  it('an instant command is confirmed before it is answered, so no restart answers it again', async () => {
    await start(new TimedEngineDouble(40, 6));
    const from = newUser();
    // The answer is slow to arrive: polling must confirm the update meanwhile, not once its handler is done.
    fake.slowDown((c) => c.method === 'sendMessage' && toChat(from.id)(c), 3000);
    const help = fake.injectText('/help', { from });
    const update = fake.lastUpdateId;
    const pending = () => fake.state.updates.pending.some((u) => u.update_id === update);
    await expect.poll(pending, { timeout: 2500, interval: 10 }).toBe(false);
    expect(fake.callsTo(answering(help))).toEqual([]);
    await fake.waitForCall(answering(help), 10_000);
  });

  it('a button press makes its job once', async () => {
    const engine = new TimedEngineDouble(40, 6);
    await start(engine);
    const from = newUser();
    fake.injectText('/imagine a press', { from });
    const result = await fake.waitForCall((c) => c.method === 'sendPhoto' && toChat(from.id)(c), 15_000);
    const jobId = jobIdIn(result) as string;
    const photo = fake.message(from.id, (result.result as Message).message_id) as Message;
    fake.injectCallbackQuery(photo, `reroll:${jobId}`, from);
    const press = fake.lastUpdateId;
    await fake.waitForCalls(queuedIn(from.id), 2, 10_000);
    const { services } = await restart([press]);
    await settled(from);
    await expect
      .poll(() => jobsOf(services, from).map((j) => j.status), { timeout: 15_000, interval: 50 })
      .toEqual(['done', 'done']);
    expect(fake.callsTo(queuedIn(from.id))).toHaveLength(2);
  });
});
