// The chat action shown while a job runs, with the real grammY client against the fake Bot API: "sending a photo…"
// for a job that draws, "typing…" for a /describe, whose answer is a text (a photo never comes of it). An action
// refused by flood control is not sent again after Telegram's wait: it lasts 5 s, and the job may have ended by then,
// its result followed by "sending a photo…" for nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { newUsers, useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-chat-action', new TimedEngineDouble(20, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const newUser = newUsers(9200);

const actionsIn = (chatId: number) =>
  fake
    .callsTo('sendChatAction')
    .filter((c) => c.params.chat_id === chatId)
    .map((c) => c.params.action);

describe('Telegram: the chat action while a job runs', { timeout: 30_000 }, () => {
  it('a /describe types; an /imagine sends a photo', async () => {
    const alice = newUser();
    const photo = fake.injectPhoto(fake.registerFile(await solidPng('#36a')), {
      from: alice,
      caption: '/describe',
    });
    await bot.ended((await bot.statusOf(photo)).jobId);
    expect(actionsIn(alice.id)).toContain('typing');
    expect(actionsIn(alice.id)).not.toContain('upload_photo');

    const bob = newUser();
    await bot.ended((await bot.statusOf(fake.injectText('/imagine a fox', { from: bob }))).jobId);
    expect(actionsIn(bob.id)).toContain('upload_photo');
  });

  it('an action refused by flood control is not sent again after the wait, when the job has ended', async () => {
    const carol = newUser();
    fake.rateLimit((c) => c.method === 'sendChatAction' && c.params.chat_id === carol.id, {
      times: 1,
      retryAfter: 2,
    });
    const request = fake.injectText('/imagine a fox', { from: carol });
    await bot.ended((await bot.statusOf(request)).jobId);
    const ended = fake.calls.length;
    // Past the 2 s Telegram asked to wait (grammY's auto-retry would send it again then).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const late = fake.calls
      .slice(ended)
      .filter((c) => c.method === 'sendChatAction' && c.params.chat_id === carol.id);
    expect(late).toEqual([]);
  });
});
