// A request that reaches the bot while it stops (the worker's drain, then the adapter's stop) is not refused: the
// queue would refuse it (errors.queue.stopping), so its update is set aside in the inbox for the next start, which
// handles it as if just sent, and its sender hears that it will be (adapters/telegram/inbox.ts `postpone`). What the
// bot can answer while stopping (/help) is answered, once. In both modes: long polling, and a webhook, which Telegram
// can no longer reach once the adapter stopped (its posts wait at Telegram for the next start). A button press keeps
// the refusal: its answer would reach nobody after the restart, and a second press would make a second job. An edit
// of a request set aside, made while the bot still stops, is what the next start runs (every order of the two:
// telegram-inbox-stop-edits.e2e.test.ts). Whatever the next start handles is never said to have failed or to be tried
// again now: a set-aside request whose notice fails, and requests or presses whose handling outlives the adapter's
// stop (their rows stay, as after a crash). A webhook post the stopping bot can no longer keep is not answered 200.
import { Agent, request } from 'node:http';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { TelegramCall } from '../../doubles/fake-telegram/index.js';
import { solidPng } from '../e2e-services.js';
import { answers, postUpdate, useInboxWorld, WEBHOOK_ENV, WEBHOOK_SECRET } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const postponedText = () => t('en', 'job.postponed_restart');

/** Telegram's POST of `update` to the webhook on `agent`'s connection (kept alive, reused): its status. */
function postOn(agent: Agent, port: number | undefined, update: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET };
    const req = request(
      { port, host: '127.0.0.1', path: '/tg/hook', method: 'POST', agent, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(update));
  });
}
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

  it('a request set aside whose notice fails is not said to have failed: it runs at the next start, once', async () => {
    const { fake } = world;
    const here = await world.startHere();
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    // Telegram refuses the notice once (a hiccup): the handling fails after the request was set aside.
    fake.failMethod((c) => c.method === 'sendMessage' && c.params.reply_parameters !== undefined);
    const request = fake.injectText('/imagine a lighthouse');
    const shown = (c: TelegramCall) => answers(request)(c) && c.status === 200;
    await fake.waitForCall(shown, 15_000);
    await expect.poll(() => world.keptUpdates().length, { timeout: 5000, interval: 20 }).toBe(1);
    await world.stopHere();
    // What the user read is that it waits for the next start, not that it failed (they would send it again).
    expect(texts(fake.callsTo(shown))).toEqual([postponedText()]);

    const { services } = await world.startHere();
    await world.jobRan(services, request);
    expect(fake.callsTo(shown)).toHaveLength(2);
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

  it('requests and a press whose handling outlives the stop are told they wait for the next start, which runs each once', async () => {
    const { fake } = world;
    const here = await world.startHere();
    const fox = fake.injectText('/imagine a fox');
    const foxJob = await world.jobRan(here.services, fox);
    const result = await fake.waitForCall(
      (c) =>
        c.method === 'sendPhoto' && JSON.stringify(c.params.reply_markup ?? '').includes(`reroll:${foxJob}`),
      15_000,
    );
    const photo = fake.registerFile(await solidPng('#963'));
    // Longer than the adapter's stop waits for handlers (10 s): the request's handling, and the press behind it in
    // its chat, end after the inbox closed, their rows left for the next start (as by a crash), while the store is
    // still open (other adapters and the model stop before it closes).
    const hold = 11_000;
    fake.slowDown('downloadFile', hold);
    const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
    await world.downloadHeld(1);
    const press = fake.injectCallbackQuery(result.result as Message, `reroll:${foxJob}`);
    // And one whose handling then fails (Telegram refuses its file once): no "try again" either.
    fake.failMethod('getFile');
    const failing = fake.injectPhoto(photo, { caption: '/edit make the sea red' });
    await expect.poll(world.confirmed(fake.lastUpdateId), { timeout: 5000, interval: 10 }).toBe(true);
    await here.services.jobs.queue.stop({ waitMs: 2000 });
    await here.running.stop();
    const stoppedAt = Date.now();
    const said = await fake.waitForCall(answers(request), 15_000);
    const pressed = (c: TelegramCall) =>
      c.method === 'answerCallbackQuery' && c.params.callback_query_id === press.id;
    const alert = await fake.waitForCall(pressed, 15_000);
    const failed = await fake.waitForCall(answers(failing), 15_000);
    expect(fake.callsTo('downloadFile')[0]?.at ?? 0).toBeGreaterThan(stoppedAt - hold);
    // What they are told now must not be "try again": the next start runs them.
    expect([textOf(said), alert.params.text, textOf(failed)]).toEqual([
      postponedText(),
      postponedText(),
      postponedText(),
    ]);
    await world.stopHere();

    const { services } = await world.startHere();
    await world.jobRan(services, request);
    await world.jobRan(services, failing);
    const owner = { platform: 'telegram' as const, userId: String(fox.from?.id) };
    await expect
      .poll(() =>
        services.jobs.store.recentOf(owner, 50).filter((j) => j.meta.telegramCallbackId === press.id),
      )
      .toHaveLength(1);
    expect(fake.callsTo(answers(request))).toHaveLength(2);
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

  it('webhook: an update posted on a kept-alive connection once the stop can keep no more is left to Telegram', async () => {
    const { fake } = world;
    const here = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    const port = here.running.bot.webhookPort;
    // Telegram posts on one kept-alive connection. A slow answer keeps the stop waiting for its handler, and the
    // connection open: the next update comes on it once that handler is done, the stop about to close the store.
    const telegram = new Agent({ keepAlive: true, maxSockets: 1 });
    const help = fake.injectText('/help');
    fake.slowDown(answers(help), 1000);
    const helped = postOn(telegram, port, { update_id: fake.lastUpdateId, message: help });
    await expect.poll(() => fake.failures.pending, { timeout: 15_000, interval: 10 }).toBe(0);
    const stopped = world.stopHere();
    expect(await helped).toBe(200);
    const request = fake.injectText('/imagine a lighthouse');
    const update = { update_id: fake.lastUpdateId, message: request };
    // Not taken (503, or the connection closed): nothing can keep it now, so Telegram must send it again.
    expect(await postOn(telegram, port, update).catch(() => 'closed')).not.toBe(200);
    await stopped;
    telegram.destroy();
    expect(fake.callsTo(answers(request))).toEqual([]);

    const next = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    expect(await postUpdate(next.running.bot.webhookPort, update)).toBe(200);
    await world.jobRan(next.services, request);
    expect(fake.callsTo(answers(request))).toHaveLength(1);
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
