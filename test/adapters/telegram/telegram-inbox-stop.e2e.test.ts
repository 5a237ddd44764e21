// A request that reaches the bot while it stops (the worker's drain, then the adapter's stop) is not refused: the
// queue would refuse it (errors.queue.stopping), so its update is set aside in the inbox for the next start, which
// handles it as if just sent, and its sender hears that it will be (adapters/telegram/inbox.ts `postpone`). What the
// bot can answer while stopping (/help) is answered, once. In both modes: long polling, and a webhook, which Telegram
// can no longer reach once the adapter stopped (its posts wait at Telegram for the next start). A button press keeps
// the refusal: its answer would reach nobody after the restart, and a second press would make a second job. An edit
// of a request set aside, made while the bot still stops, is what the next start runs.
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { solidPng } from '../e2e-services.js';
import { answers, postUpdate, useInboxWorld, WEBHOOK_ENV } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const postponedText = () => t('en', 'job.postponed_restart');
const texts = (calls: TelegramCall[]) => calls.map((c) => textOf(c));

describe('Telegram requests while the bot stops', { timeout: 90_000 }, () => {
  it('long polling: a request during the drain waits for the next start, which runs it once', async () => {
    const { fake } = world;
    const here = await world.startHere();
    // The worker drains first (SIGTERM): the adapter still hears Telegram, and the queue takes no new job.
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    const request = fake.injectText('/imagine a lighthouse');
    const update = fake.lastUpdateId;
    const help = fake.injectText('/help');
    await fake.waitForCall(answers(help), 15_000);
    expect(texts(fake.callsTo(answers(request)))).toEqual([postponedText()]);
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([update]);
    await world.stopHere();
    expect(world.keptUpdates()).toEqual([update]);

    const { services } = await world.startHere();
    await world.jobRan(services, request);
    expect(fake.callsTo(answers(request))).toHaveLength(2);
    expect(fake.callsTo(answers(help))).toHaveLength(1);
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });

  it('an edit of a request set aside during the drain: the next start runs the request as edited, once', async () => {
    const { fake } = world;
    const here = await world.startHere();
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    const request = fake.injectText('/imagine a lighthouse');
    await fake.waitForCall(answers(request), 15_000);
    await expect.poll(() => world.keptUpdates().length, { timeout: 5000, interval: 20 }).toBe(1);
    fake.injectEdit(request, '/imagine a lighthouse at night');
    const edit = fake.lastUpdateId;
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([edit]);
    await world.stopHere();

    const { services } = await world.startHere();
    const jobId = await world.jobRan(services, request);
    expect(services.jobs.store.get(jobId)?.request).toMatchObject({ prompt: 'a lighthouse at night' });
    // The postponement, then the job's status message: the edit itself said nothing.
    expect(texts(fake.callsTo(answers(request)))[0]).toBe(postponedText());
    expect(fake.callsTo(answers(request))).toHaveLength(2);
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });

  it('a request still downloading when the adapter stops waits for the next start, downloaded again there', async () => {
    const { fake } = world;
    await world.startHere();
    const photo = fake.registerFile(await solidPng('#963'));
    fake.slowDown('downloadFile', 1500);
    const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
    await fake.waitForCall('getFile', 15_000);
    await world.stopHere();
    expect(texts(fake.callsTo(answers(request)))).toEqual([postponedText()]);

    const { services } = await world.startHere();
    await world.jobRan(services, request);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(world.keptUpdates()).toEqual([]);
  });

  it('webhook: a request posted during the drain is answered 200 and waits for the next start', async () => {
    const { fake } = world;
    const here = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    const port = here.running.bot.webhookPort;
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    const request = fake.injectText('/imagine a lighthouse');
    const update = { update_id: fake.lastUpdateId, message: request };
    // Answered: Telegram is done with it, the inbox keeps it.
    expect(await postUpdate(port, update)).toBe(200);
    expect(texts(fake.callsTo(answers(request)))).toEqual([postponedText()]);
    expect(world.keptUpdates()).toEqual([update.update_id]);
    await world.stopHere();
    // Stopped, the webhook takes no post: Telegram keeps what comes meanwhile and delivers it after the restart.
    await expect(postUpdate(port, update)).rejects.toThrow();

    const next = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    await world.jobRan(next.services, request);
    expect(world.keptUpdates()).toEqual([]);
  });

  it('a button press during the drain is refused as before, and nothing of it is kept', async () => {
    const { fake } = world;
    const here = await world.startHere();
    const request = fake.injectText('/imagine a fox');
    const jobId = await world.jobRan(here.services, request);
    const result = await fake.waitForCall(
      (c) =>
        c.method === 'sendPhoto' && JSON.stringify(c.params.reply_markup ?? '').includes(`reroll:${jobId}`),
      15_000,
    );
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    const press = fake.injectCallbackQuery(result.result as Message, `reroll:${jobId}`);
    const answer = await fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === press.id,
      15_000,
    );
    expect(answer.params.text).toBe(t('en', 'errors.queue.stopping'));
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });
});
