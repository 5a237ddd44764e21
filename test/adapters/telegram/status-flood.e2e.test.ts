// A status message under Telegram's flood control, with a real grammY Api (no auto-retry: every 429 comes back)
// against the fake Bot API: a refused state pauses the states for retry_after, and a refused preview is no failure
// of previews, which go on after the pause. With grammY's auto-retry installed as the bot installs it, a state's 429
// still comes back at once: it is not waited out and sent again stale.
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot } from 'grammy';
import type { Message } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StatusMessage } from '../../../adapters/telegram/status-message.js';
import type { Reply } from '../../../commands/index.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { solidPng } from '../e2e-services.js';

let fake: FakeTelegram;

beforeEach(async () => {
  fake = await startFakeTelegram({ token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
});

afterEach(async () => {
  await fake.stop();
});

/** Alice's status message, as the adapter keeps it. */
function status(retries = false): StatusMessage {
  const chat = fake.state.chat(fake.world.users.alice.id) as Message['chat'];
  const sent = fake.state.store(fake.state.compose(chat, { from: fake.world.bot, text: 'Queued' }));
  const { api } = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
  if (retries)
    api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));
  return new StatusMessage({
    api,
    chatId: chat.id,
    messageId: sent.message_id,
    locale: 'en',
    text: 'Queued',
    previews: true,
    warn: () => undefined,
  });
}

const step = (n: number): Reply => ({ text: [{ key: 'job.running', params: { step: n, total: 9 } }] });
const edits = () => fake.callsTo((c) => c.method.startsWith('editMessage'));
/** How long a state held back by a 1 s pause may take to show: the pause, then an edit, on a loaded machine. */
const SHOWN = { timeout: 10_000 };

describe('Telegram status message under flood control', { timeout: 30_000 }, () => {
  it('a 429 pauses the states for retry_after: dropped, not queued, and the newest is shown when it ends', async () => {
    const message = status();
    fake.rateLimit('editMessageText', { retryAfter: 1 });
    await message.show(step(1));
    await message.show(step(2));
    expect(edits().map((c) => c.status)).toEqual([429]);
    // Nothing else arrives: the newest state dropped is shown once the pause ends (the tracker counts it shown).
    // Waited for, not slept on: the pause's timer and the edit after it ran past a fixed 1.3 s on a loaded machine.
    await expect.poll(() => edits().map((c) => c.status), SHOWN).toEqual([429, 200]);
    expect(fake.message(fake.world.users.alice.id, message.messageId)?.text).toContain('2');
    await message.show(step(3));
    expect(edits().map((c) => c.status)).toEqual([429, 200, 200]);
    expect(fake.message(fake.world.users.alice.id, message.messageId)?.text).toContain('3');
  });

  it('the job ending during the pause cancels the state waiting for it', async () => {
    const message = status();
    fake.rateLimit('editMessageText', { retryAfter: 1 });
    await message.show(step(1));
    await message.delete();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(edits().map((c) => c.status)).toEqual([429]);
  });

  it('a 429 on a preview keeps previews on: the next preview after the pause is shown', async () => {
    const message = status();
    const preview = {
      data: new Uint8Array(await solidPng('#a63')),
      filename: 'p.png',
      mime: 'image/png' as const,
    };
    fake.rateLimit('editMessageMedia', { retryAfter: 1 });
    await message.show(step(1), preview);
    expect(message.showsPreviews).toBe(true);
    expect(edits().map((c) => [c.method, c.status])).toEqual([['editMessageMedia', 429]]);
    // The refused preview itself is shown when the pause ends.
    await expect
      .poll(() => edits().map((c) => [c.method, c.status]), SHOWN)
      .toEqual([
        ['editMessageMedia', 429],
        ['editMessageMedia', 200],
      ]);
  });

  it('with auto-retry on the bot’s client, a refused state is not waited out: the newest follows the pause', async () => {
    const message = status(true);
    fake.rateLimit('editMessageText', { times: 3, retryAfter: 1 });
    const started = Date.now();
    await message.show(step(1));
    expect(Date.now() - started).toBeLessThan(500);
    await message.show(step(2));
    await message.show(step(3));
    expect(edits().map((c) => c.status)).toEqual([429]);
    // The ending is not held behind the refused state either.
    expect(
      await message.finish({
        ...step(9),
        images: [{ data: new Uint8Array([1]), filename: 'r.png', mime: 'image/png' }],
      }),
    ).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('with auto-retry on the bot’s client, the state after the pause is the newest one, sent once', async () => {
    const message = status(true);
    fake.rateLimit('editMessageText', { times: 1, retryAfter: 1 });
    await message.show(step(1));
    await message.show(step(2));
    await expect
      .poll(() => edits().map((c) => [c.status, c.params.text]), SHOWN)
      .toEqual([
        [429, expect.stringContaining('1')],
        [200, expect.stringContaining('2')],
      ]);
  });
});
