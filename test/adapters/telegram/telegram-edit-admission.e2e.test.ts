// An edited request keeps its room in the queue while the edit is handled: the waiting job is held (not started, still
// counted for everyone else) until its replacement is admitted in its place. Here the whole queue has room for one
// waiting job, and another user asks while the edit's photo downloads slowly: they are refused, and the edited
// request runs. (Cancelled first, the old job would have freed the room for the other user, and the replacement would
// have been refused: the author's request lost to a queue that filled up meanwhile.)
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Job } from '../../../src/jobs/index.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { jobIdIn, newUsers, repliesTo, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// 60 steps of 50 ms: the blocker runs three seconds, long enough for the edit to be handled while it does.
// The blocker runs until cancelled: its 3 s stood in for "still running", and the edit's slow photo (1.5 s) and the
// round trips around it on a loaded machine could outlast it (the request then started, and the edit came too late).
const engine = new TimedEngineDouble(50, 60);
const generate = engine.generate.bind(engine);
engine.generate = async (request, options) => {
  const signal = options?.signal;
  if ('prompt' in request && request.prompt === 'blocker')
    await new Promise<void>((resolve) => {
      if (!signal || signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  return generate(request, options);
};
const bot = useTelegramOnFake('telegram-edit-admission', engine, {
  env: { QUEUE_MAX_TOTAL: '1', QUEUE_MAX_PER_USER: '5' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const newUser = newUsers(7500);
const jobOf = (id: string): Job | undefined => bot.services.jobs.queue.get(id);
const promptOf = (job: Job | undefined) => (job?.request as { prompt?: string } | undefined)?.prompt;
const { statusOf, takeoverOf } = bot;

describe('Telegram: an edited request keeps its place in a full queue', { timeout: 60_000 }, () => {
  it('another user asking while the edit is handled is refused; the edited request runs', async () => {
    const blocker = await statusOf(fake.injectText('/imagine blocker', { from: newUser() }));
    await expect.poll(() => jobOf(blocker.jobId)?.status, { timeout: 10_000 }).toBe('running');
    const author = newUser();
    const request = fake.injectPhoto(fake.registerFile(await solidPng('#48c')), {
      caption: '/edit make it bluer',
      from: author,
    });
    const old = await statusOf(request);
    expect(jobOf(old.jobId)?.status).toBe('queued');

    // The edit's photo comes slowly: meanwhile someone else asks, and the queue's one waiting place is the author's.
    fake.slowDown('downloadFile', 1500);
    const asked = fake.callsTo('getFile').length;
    fake.injectEdit(request, '/edit make it greener');
    await expect.poll(() => fake.callsTo('getFile').length, { timeout: 5000 }).toBeGreaterThan(asked);
    const other = fake.injectText('/imagine a queue jumper', { from: newUser() });
    const answer = await fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(other)(c), 10_000);
    expect(jobIdIn(answer)).toBeUndefined();
    expect(textOf(answer)).toBe(t('en', 'errors.queue.full', { limit: 1 }));

    const takeover = await takeoverOf(old, author.id);
    const next = jobIdIn(takeover) as string;
    expect(jobOf(old.jobId)?.status).toBe('cancelled');
    expect(promptOf(jobOf(next))).toContain('greener');
    const blocking = jobOf(blocker.jobId);
    if (blocking) bot.services.jobs.queue.cancel(blocking.id, blocking.owner);
    await expect.poll(() => jobOf(next)?.status, { timeout: 20_000 }).toBe('done');
  });
});
