// A typed /cancel of a running job on Telegram: the job's status message is edited to "Stopping your job…" at once,
// its Cancel keyboard gone, while the job's step still runs; the /cancel answer, sent once the job has stopped, says
// it was cancelled (by name), and the status message ends "Cancelled.".
import type { Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { inChat, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// The run goes on until the test releases it: a long step of a large image.
const engine = new HeldEngineDouble('until-released');
const bot = useTelegramOnFake('telegram-cancel-running', engine);
let fake: FakeTelegram;
beforeAll(() => {
  fake = bot.fake;
});

describe('Telegram: a typed /cancel of a running job', { timeout: 60_000 }, () => {
  it('edits the job’s message to "stopping" at once, then answers "Cancelled" once it has stopped', async () => {
    const chatId = fake.world.users.alice.id;
    const { jobId, messageId } = await bot.statusOf(fake.injectText('/imagine stop test'));
    const { store } = bot.services.jobs;
    await expect.poll(() => store.get(jobId)?.status, { timeout: 20_000, interval: 20 }).toBe('running');
    const asked = fake.calls.length;
    fake.injectText(`/cancel ${jobId.slice(0, 8)}`);

    // Before the run ends: the job's own message says it is stopping, with nothing to press.
    const stopping = await fake.waitForCall(
      (c) =>
        fake.calls.indexOf(c) >= asked &&
        c.method === 'editMessageText' &&
        c.params.message_id === messageId &&
        textOf(c) === t('en', 'cancel.stopping'),
      5_000,
    );
    expect(stopping.status).toBe(200);
    expect((fake.message(chatId, messageId) as Message).reply_markup).toBeUndefined();
    expect(store.get(jobId)?.status).toBe('running');

    engine.release();
    const answer = t('en', 'cancel.done_named', { prompt: 'stop test', id: jobId.slice(0, 8) });
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && inChat(chatId)(c) && textOf(c) === answer,
      10_000,
    );
    await expect
      .poll(() => (fake.message(chatId, messageId) as Message).text, { timeout: 10_000 })
      .toBe(t('en', 'job.cancelled'));
    // The answer was never "stopping": nothing said so after the job had stopped.
    const stoppingAnswer = t('en', 'cancel.stopping_named', { prompt: 'stop test', id: jobId.slice(0, 8) });
    expect(fake.calls.slice(asked).some((c) => textOf(c) === stoppingAnswer)).toBe(false);
  });
});
