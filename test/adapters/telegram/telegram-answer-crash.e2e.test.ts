// Instant answers across a crash (adapters/telegram/answers-begun.ts). The bot runs in a child process against the
// fake Bot API and is killed with SIGKILL while the answer to an update is in flight: Telegram took the message but
// the bot has not heard so (the fake answers the call late), or the message has not reached Telegram yet (the fake
// holds the call before doing it). Either way the update's handling never ended, so the inbox still keeps it. An
// answer that began is not given again at the next start: no /help, refusal or /queue twice, also when Telegram posts
// the update again in webhook mode; the price is the answer still in flight, lost, which the log says. A try Telegram
// refused marks nothing: killed while a 429 is waited out, the bot answers the update at the next start, once.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { solidPng } from '../e2e-services.js';
import {
  answers,
  CHILD_WEBHOOK_ENV,
  crash,
  HELD_MS,
  postUpdate,
  useInboxWorld,
  WEBHOOK_ENV,
} from './inbox-world.js';

const world = useInboxWorld();

/** A later /help of the same sender is answered: the chat's updates before it were handled (or dropped). */
async function settled(from: Message['from']): Promise<void> {
  const marker = world.fake.injectText('/help', { from });
  await world.fake.waitForCall(answers(marker), 15_000);
}

/** Whether the inbox row of `updateId` says its answer began. */
function marked(updateId: number): boolean | undefined {
  const db = new Database(join(world.dataDir, 'jobs.sqlite'), { readonly: true });
  try {
    const row = db.prepare('SELECT answering FROM inbox WHERE update_id = ?').get(updateId) as
      | { answering: number }
      | undefined;
    return row === undefined ? undefined : row.answering !== 0;
  } finally {
    db.close();
  }
}

/** The answers to `request` Telegram took (a 429 is none). */
const taken = (request: Message) => world.fake.callsTo((c) => answers(request)(c) && c.status === 200);

describe('an answer in flight when the process is killed', { timeout: 90_000 }, () => {
  it('one refused with a 429 and waited out is given at the next start, once', async () => {
    const { fake } = world;
    const first = await world.startChild();
    // Auto-retry would wait 30 s before its next try: the process dies meanwhile.
    fake.rateLimit((c) => c.method === 'sendMessage', { retryAfter: 30 });
    const request = fake.injectText('/help');
    const update = fake.lastUpdateId;
    await fake.waitForCall(answers(request), 15_000);
    // Marked as the try left, the mark taken back once Telegram refused it.
    await expect.poll(() => marked(update), { timeout: 5000, interval: 10 }).toBe(false);
    await crash(first);
    expect(taken(request)).toEqual([]);

    await world.startHere();
    await settled(request.from);
    expect(taken(request)).toHaveLength(1);
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });

  it('one taken by Telegram at its try after a 429 is not given again', async () => {
    const { fake } = world;
    const first = await world.startChild();
    fake.rateLimit((c) => c.method === 'sendMessage', { retryAfter: 1 });
    fake.answerLate((c) => c.method === 'sendMessage', HELD_MS);
    const request = fake.injectText('/help');
    const update = fake.lastUpdateId;
    await expect.poll(() => taken(request).length, { timeout: 15_000, interval: 10 }).toBe(1);
    expect(marked(update)).toBe(true);
    await crash(first);

    await world.startHere();
    await settled(request.from);
    expect(taken(request)).toHaveLength(1);
  });

  it.each([
    ['/help', 'help'],
    ['/queue', 'queue'],
    ['/edit make it blue', 'a refusal (no image)'],
  ])('%s (%s), taken by Telegram, is not given again at the next start', async (text) => {
    const { fake } = world;
    const first = await world.startChild();
    fake.answerLate((c) => c.method === 'sendMessage', HELD_MS);
    const request = fake.injectText(text);
    const update = fake.lastUpdateId;
    // Telegram took the answer (recorded), the bot still waits to hear so; the update's handling has not ended.
    await fake.waitForCall(answers(request), 15_000);
    expect(world.keptUpdates()).toEqual([update]);
    await crash(first);

    await world.startHere();
    await settled(request.from);
    expect(fake.callsTo(answers(request))).toHaveLength(1);
    // The marker's row goes once its handler is done, just after its answer.
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });

  it("an album's answer marks every item: none is handled again alone", async () => {
    const { fake } = world;
    const first = await world.startChild();
    fake.answerLate((c) => c.method === 'sendMessage', HELD_MS);
    const [image, other] = await Promise.all([solidPng('#963'), solidPng('#fff')]);
    const items = [
      fake.injectPhoto(fake.registerFile(image), { caption: '/help', mediaGroupId: 'a1' }),
      fake.injectPhoto(fake.registerFile(other), { mediaGroupId: 'a1' }),
    ];
    const last = fake.lastUpdateId;
    await fake.waitForCall(answers(items[0] as Message), 15_000);
    expect(world.keptUpdates()).toEqual([last - 1, last]);
    await crash(first);

    await world.startHere();
    // An album gathers apart from its chat's order: an item handed on again would keep its row until the album it
    // makes alone was answered.
    await expect.poll(() => world.keptUpdates(), { timeout: 10_000, interval: 20 }).toEqual([]);
    await settled(items[0]?.from);
    expect(fake.callsTo(answers(items[0] as Message))).toHaveLength(1);
  });

  it('one not yet taken by Telegram is lost, not doubled, and the log says so', async () => {
    const { fake } = world;
    const first = await world.startChild();
    // Held before Telegram does it: killed meanwhile, the message never arrives.
    fake.slowDown((c) => c.method === 'sendMessage', HELD_MS);
    const request = fake.injectText('/help');
    const update = fake.lastUpdateId;
    await expect.poll(() => fake.failures.pending, { timeout: 15_000, interval: 10 }).toBe(0);
    await crash(first);
    expect(fake.callsTo(answers(request))).toEqual([]);

    // The held call is recorded when its hold ends, however long after the crash: only calls made from here count.
    const since = Date.now();
    const second = await world.startChild();
    await settled(request.from);
    expect(fake.callsTo((c) => c.at >= since && answers(request)(c))).toEqual([]);
    const said = second
      .output()
      .split('\n')
      .filter((line) => line.includes('not handled again'))
      .map((line) => JSON.parse(line) as { level: number; updates: number[] });
    expect(said).toEqual([expect.objectContaining({ level: 40, updates: [update] })]);
  });

  it('in webhook mode, Telegram posting it again (it got no answer) is a repeat', async () => {
    const { fake } = world;
    const first = await world.startChild(CHILD_WEBHOOK_ENV);
    fake.answerLate((c) => c.method === 'sendMessage', HELD_MS);
    const request = fake.injectText('/help');
    const update = { update_id: fake.lastUpdateId, message: request };
    const posted = postUpdate(first.webhookPort, update).catch(() => 'no answer');
    await fake.waitForCall(answers(request), 15_000);
    await crash(first);
    expect(await posted).toBe('no answer');

    const here = await world.startHere(WEBHOOK_ENV, { webhookPort: 0 });
    const port = here.running.bot.webhookPort;
    expect(await postUpdate(port, update)).toBe(200);
    const marker = fake.injectText('/help', { from: request.from });
    expect(await postUpdate(port, { update_id: fake.lastUpdateId, message: marker })).toBe(200);
    await fake.waitForCall(answers(marker), 15_000);
    expect(fake.callsTo(answers(request))).toHaveLength(1);
    // The marker's row goes once its handler is done, just after its answer.
    await expect.poll(() => world.keptUpdates(), { timeout: 5000, interval: 20 }).toEqual([]);
  });
});
