// Forum supergroups, with the real grammY client against the fake Bot API: whatever the bot says about a request
// made in a topic (a refusal thrown while fetching its image, the "sent privately" line, a permutation's further
// status messages, the "too late" answer to an edit) is said in that topic, and a request in the General topic is
// answered in General (no message_thread_id, which Telegram would refuse there).
import type { Chat, Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { useTelegramOnFake } from './telegram-on-fake.js';

const FORUM: Chat.SupergroupChat = { id: -100500600, type: 'supergroup', title: 'Forum', is_forum: true };
const TOPIC = 11;

const bot = useTelegramOnFake('telegram-topics', new TimedEngineDouble(60, 5), {
  env: { QUEUE_MAX_PER_USER: '10', MAX_INPUT_MB: '1', ADMIN_IDS: 'telegram:1001' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const inForum = (c: TelegramCall) =>
  /^send(Message|Photo|Document|ChatAction)$/.test(c.method) && String(c.params.chat_id) === String(FORUM.id);
const answering = (request: Message) => (c: TelegramCall) =>
  inForum(c) && c.params.reply_parameters?.message_id === request.message_id;

describe('Telegram in forum topics', { timeout: 60_000 }, () => {
  it('every answer to a request in a topic stays in the topic', async () => {
    const { alice } = fake.world.users;
    const from = fake.calls.length;
    const inTopic = { chat: FORUM, from: alice, thread: TOPIC };
    // Refused while its image is fetched (too large): the guard's answer.
    const big = fake.registerFile(Buffer.alloc(2 * 1024 * 1024, 1), {
      mimeType: 'image/png',
      filename: 'b.png',
    });
    const tooBig = fake.injectDocument(big, { ...inTopic, caption: '/edit make it blue' });
    await fake.waitForCall(answering(tooBig), 10_000);
    // A private list: the line saying where it went.
    const list = fake.injectText('/block', inTopic);
    await fake.waitForCall(answering(list), 10_000);
    // A permutation: a status message per line.
    const both = fake.injectText('/imagine a {red, blue} kite', inTopic);
    await fake.waitForCalls(answering(both), 2, 10_000);
    // An edit once its jobs have started: told once that it came too late.
    await new Promise((resolve) => setTimeout(resolve, 150));
    fake.injectEdit(both, '/imagine a {green, white} kite');
    const marker = fake.injectText('/queue', inTopic);
    await fake.waitForCall(answering(marker), 10_000);
    const kites = bot.services.jobs.store.recentOf({ platform: 'telegram', userId: String(alice.id) }, 2);
    for (const job of kites) await bot.ended(job.id);

    const sent = fake.calls.slice(from).filter(inForum);
    // The refusal, the "sent privately" line, two status messages, the "too late" line, the /queue answer, the chat
    // action and the two results.
    expect(sent.length).toBeGreaterThanOrEqual(8);
    for (const call of sent)
      expect([call.method, call.params.message_thread_id]).toEqual([call.method, TOPIC]);
  });

  it('a request in the General topic is answered in General', async () => {
    const { alice } = fake.world.users;
    const from = fake.calls.length;
    const request = fake.injectText('/imagine a general kite', { chat: FORUM, from: alice });
    const { jobId } = await bot.statusOf(request);
    await bot.ended(jobId);
    expect(bot.deliveries.get(jobId)).toBe('replied');
    const sent = fake.calls.slice(from).filter(inForum);
    expect(sent.every((c) => c.params.message_thread_id === undefined && c.status === 200)).toBe(true);
  });
});
