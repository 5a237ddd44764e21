// The bot removed from a chat while jobs of it wait or run (kicked from a group, blocked by a user), with the real
// grammY client against the fake Bot API: Telegram says so (`my_chat_member`) and refuses every call to the chat
// from then on, so the chat's jobs are withdrawn at once instead of drawing for nobody, and the refused progress
// edits stop. Other chats' jobs go on.
import type { Chat } from 'grammy/types';
import { beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { newUsers, useTelegramOnFake } from './telegram-on-fake.js';

// Long enough (40 × 100 ms) that a job is still running when the bot is removed.
const engine = new TimedEngineDouble(100, 40);
const bot = useTelegramOnFake('telegram-removal', engine, {
  env: { QUEUE_MAX_PER_USER: '10' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const newUser = newUsers(8000);

const LEAVING: Chat.SupergroupChat = { id: -100777, type: 'supergroup', title: 'Leaving' };
const statusOfJob = (id: string) => bot.services.jobs.queue.get(id)?.status;

describe('Telegram: the bot removed from a chat mid-job', { timeout: 60_000 }, () => {
  it('kicked from a group: its running and waiting jobs are withdrawn; another chat’s job goes on', async () => {
    const { alice } = fake.world.users;
    // The fox is held until withdrawn: its 4 s stood in for "still running", which three submissions on a loaded
    // machine could outlast (the fox then done, not withdrawn).
    const generate = engine.generate.bind(engine);
    const held = vi.spyOn(engine, 'generate').mockImplementation(async (request, options) => {
      const signal = options?.signal;
      if ('prompt' in request && request.prompt === 'a fox')
        await new Promise<void>((resolve) => {
          if (!signal || signal.aborted) return resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      return generate(request, options);
    });
    onTestFinished(() => held.mockRestore());
    const running = await bot.statusOf(fake.injectText('/imagine a fox', { chat: LEAVING, from: alice }));
    const waiting = await bot.statusOf(fake.injectText('/imagine a hen', { chat: LEAVING, from: alice }));
    const elsewhere = await bot.statusOf(fake.injectText('/imagine an owl', { from: newUser() }));
    await expect.poll(() => statusOfJob(running.jobId), { timeout: 10_000 }).toBe('running');

    const at = Date.now();
    fake.removeBot(LEAVING.id);
    await expect.poll(() => statusOfJob(running.jobId), { timeout: 3000 }).toBe('cancelled');
    expect(statusOfJob(waiting.jobId)).toBe('cancelled');
    // Long before the 4 s the job would have drawn for.
    expect(Date.now() - at).toBeLessThan(2000);
    await bot.ended(running.jobId);
    expect(bot.deliveries.get(running.jobId)).toBe('undelivered');

    await bot.ended(elsewhere.jobId, 30_000);
    expect(bot.deliveries.get(elsewhere.jobId)).toBe('replied');
  });

  it('blocked by a user: their private chat’s job is withdrawn', async () => {
    const user = newUser();
    const { jobId } = await bot.statusOf(fake.injectText('/imagine a cat', { from: user }));
    fake.removeBot(user.id);
    await expect.poll(() => statusOfJob(jobId), { timeout: 10_000 }).toBe('cancelled');
  });
});
