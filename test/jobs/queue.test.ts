import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../engine/index.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue, type QueueLimits } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job, Owner } from '../../src/jobs/types.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const LIMITS = queueLimits({ maxPerUser: 3 });
const open: JobQueue[] = [];

function makeQueue(
  options: {
    limits?: Partial<QueueLimits>;
    engine?: TimedEngineDouble;
    dir?: string;
    admins?: string[];
    maxBatch?: number;
    now?: () => number;
  } = {},
) {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'dimoo-jobs-'));
  const store = new JobStore(dir);
  const engine = options.engine ?? new TimedEngineDouble();
  const queue = new JobQueue({
    store,
    engine,
    limits: { ...LIMITS, ...options.limits },
    admins: options.admins,
    maxBatch: options.maxBatch,
    now: options.now,
  });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  open.push(queue);
  return { queue, store, engine, events, dir };
}

const user = (id: string): Owner => ({ platform: 'discord', userId: id });
const imagine = (prompt: string, size = 256) => ({
  task: 'text_to_image' as const,
  prompt,
  width: size,
  height: size,
});

function submit(queue: JobQueue, owner: Owner, prompt: string, size = 256) {
  const result = queue.submit({ owner, scope: 'guild:1', kind: 'imagine', request: imagine(prompt, size) });
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  return result.job;
}

function waitFor(
  events: JobEvent[],
  predicate: (e: JobEvent) => boolean,
  timeoutMs = 10_000,
): Promise<JobEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const hit = events.find(predicate);
      if (hit) return resolve(hit);
      if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting for a job event'));
      setTimeout(poll, 2);
    };
    poll();
  });
}

afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

describe('fair scheduling', () => {
  it('starts each light user’s job within one job of its submission while a heavy user has 20 queued', async () => {
    const { queue, events } = makeQueue({ limits: { maxPerUser: 50 } });
    const heavy = user('heavy');
    for (let i = 0; i < 20; i++) submit(queue, heavy, `heavy ${i}`);
    queue.start();
    const startOrder = () => events.filter((e) => e.type === 'started').map((e) => e.job.id);
    for (let i = 0; i < 5; i++) {
      // Let a couple of heavy jobs run between light arrivals.
      const before = startOrder().length;
      await waitFor(events, () => startOrder().length >= before + 2);
      const startsAtSubmit = startOrder().length;
      const light = submit(queue, user(`light${i}`), `light ${i}`);
      await waitFor(events, (e) => e.type === 'started' && e.job.id === light.id);
      const startedAt = startOrder().indexOf(light.id);
      expect(startedAt - startsAtSubmit, `light ${i}`).toBeLessThanOrEqual(1);
    }
  });

  it('refuses a job its type’s measured pace says would outrun the job timeout, and none while the pace is unknown', () => {
    const { queue, store, engine } = makeQueue({ limits: { jobTimeoutMs: 60_000 } });
    const grid = { ...imagine('four big ones', 1024), count: 4 };
    const cost = engine.estimateCost(grid);
    // Unknown pace: accepted (the ETA is a guess).
    expect(queue.submit({ owner: user('a'), scope: 'guild:1', kind: 'imagine', request: grid }).ok).toBe(
      true,
    );
    // A provisional first run does not count either.
    store.setCalibration('cpu:text_to_image', 120_000 / cost, 0);
    expect(queue.submit({ owner: user('b'), scope: 'guild:1', kind: 'imagine', request: grid }).ok).toBe(
      true,
    );
    // Measured: this grid would take two minutes, past the one-minute limit; a single image fits.
    store.setCalibration('cpu:text_to_image', 120_000 / cost, 3);
    expect(queue.submit({ owner: user('c'), scope: 'guild:1', kind: 'imagine', request: grid })).toEqual({
      ok: false,
      refusal: { key: 'errors.queue.too_long', params: { expectedMs: 120_000, limitMs: 60_000 } },
    });
    expect(
      queue.submit({ owner: user('c'), scope: 'guild:1', kind: 'imagine', request: imagine('one') }).ok,
    ).toBe(true);
  });

  it('judges a type that never ran by the device’s measured pace, as the shared queue does', () => {
    const { queue, store, engine } = makeQueue({ limits: { jobTimeoutMs: 60_000 } });
    const grid = { ...imagine('four big ones', 1024), count: 4 };
    const cost = engine.estimateCost(grid);
    // Measured on other job types only, in warm runs (the `cpu#warm` row; a cold first run's pace judges nothing).
    store.setCalibration('cpu', 120_000 / cost, 3);
    store.setCalibration('cpu#warm', 120_000 / cost, 3);
    expect(queue.submit({ owner: user('a'), scope: 'guild:1', kind: 'imagine', request: grid })).toEqual({
      ok: false,
      refusal: { key: 'errors.queue.too_long', params: { expectedMs: 120_000, limitMs: 60_000 } },
    });
  });

  it('dry-run positions match the actual start order when nobody new arrives', async () => {
    const { queue, events } = makeQueue({ limits: { maxPerUser: 10 } });
    for (const [u, n, size] of [
      ['a', 4, 512],
      ['b', 2, 256],
      ['c', 3, 128],
    ] as const) {
      for (let i = 0; i < n; i++) submit(queue, user(u), `${u}${i}`, size);
    }
    const planned = queue.plannedOrder().map((j) => j.id);
    expect(planned).toHaveLength(9);
    expect(queue.positionOf(planned[4]!).ahead).toBe(4);
    queue.start();
    await waitFor(events, () => events.filter((e) => e.type === 'done').length === 9);
    expect(events.filter((e) => e.type === 'started').map((e) => e.job.id)).toEqual(planned);
    // Interleaved, not FIFO: the first three starts are three different users.
    const firstUsers = events
      .filter((e) => e.type === 'started')
      .slice(0, 3)
      .map((e) => e.job.owner.userId);
    expect(new Set(firstUsers).size).toBe(3);
  });
});

describe('batching', () => {
  it('runs compatible jobs of different users together, each with its own outcome', async () => {
    const engine = new TimedEngineDouble(15, 4);
    const { queue, events } = makeQueue({ engine, maxBatch: 4 });
    const first = submit(queue, user('a'), 'a1');
    queue.start();
    await waitFor(events, (e) => e.type === 'started' && e.job.id === first.id);
    // While a1 runs: three 256² jobs of three users, one 512² job, and a second job of user b.
    const b = submit(queue, user('b'), 'b1');
    const c = submit(queue, user('c'), 'c1');
    const d = submit(queue, user('d'), 'd1', 512);
    const e = submit(queue, user('e'), 'e1');
    const b2 = submit(queue, user('b'), 'b2');
    const cancelled = waitFor(events, (ev) => ev.type === 'started' && ev.job.id === c.id).then(() =>
      queue.cancel(c.id, user('c')),
    );
    await waitFor(events, () => events.filter((ev) => ev.type === 'done').length === 5);
    await cancelled;
    // a1 alone; then b1, c1, e1 share passes (b2 waits: one running job per user); then d1 and b2 on their own.
    expect(engine.batches[0]).toBe(3);
    expect(
      engine.started
        .slice(1, 4)
        .map((r) => (r as { prompt: string }).prompt)
        .sort(),
    ).toEqual(['b1', 'c1', 'e1']);
    const outcome = (id: string) => events.filter((ev) => ev.job.id === id).at(-1)?.type;
    expect([b, e, d, b2].map((j) => outcome(j.id))).toEqual(['done', 'done', 'done', 'done']);
    expect(outcome(c.id)).toBe('cancelled');
    // Each waited the whole batch, but shared the model: its share of the time is what /info counts.
    const stored = (id: string) => queue.get(id) as Job;
    for (const job of [b, e].map((j) => stored(j.id))) {
      expect(job.deviceMs).toBeLessThan(job.measuredMs ?? 0);
      expect(job.deviceMs).toBeGreaterThan(0);
    }
    // Alone, a job's share is all of it.
    expect(stored(d.id).deviceMs).toBe(stored(d.id).measuredMs);
  });

  it('tells each job of a batch the whole run’s time when it starts, as the jobs behind it are told', async () => {
    const engine = new TimedEngineDouble(5, 2);
    const { queue, store, events } = makeQueue({ engine, maxBatch: 4 });
    // The measured pace of a text-to-image: a 256² one about 2 s.
    const pace = 2000 / engine.estimateCost(imagine('x'));
    store.setCalibration('cpu:text_to_image', pace, 3);
    const batched = ['a', 'b', 'c'].map((u) => submit(queue, user(u), `${u}1`));
    const alone = submit(queue, user('d'), 'd1', 512);
    // The three 256² jobs end together, after one pass per step for all of them: their summed time.
    const runMs = Math.round(batched.reduce((sum, job) => sum + job.estimatedCost * pace, 0));
    expect(queue.positionOf(alone.id).etaMs).toBe(runMs);
    // Waiting, each of the three is told it is ready when the run ends (not its own share: a third of it), as the
    // reply and /queue say, and told again as another joins its run; the job alone after its own time.
    const aloneMs = Math.round(alone.estimatedCost * pace);
    const told = (id: string) =>
      events
        .filter((e) => (e.type === 'queued' || e.type === 'position') && e.job.id === id)
        .map((e) => (e.type === 'queued' || e.type === 'position' ? e.endMs : undefined));
    const share = runMs / 3;
    expect(batched.map((job) => told(job.id))).toEqual([
      [share, 2 * share, runMs],
      [2 * share, runMs],
      [runMs],
    ]);
    expect(told(alone.id)).toEqual([runMs + aloneMs]);
    expect(batched.map((job) => queue.positionOf(job.id).endMs)).toEqual([runMs, runMs, runMs]);
    expect(queue.positionOf(alone.id).endMs).toBe(runMs + aloneMs);
    // The batch's run has taught the pace anew by the time the other job starts: its own time then.
    let aloneOwnMs = 0;
    queue.subscribe((e) => {
      if (e.type === 'started' && e.job.id === alone.id) aloneOwnMs = Math.round(queue.expectedMs(alone));
    });
    queue.start();
    await waitFor(events, () => events.filter((e) => e.type === 'done').length === 4);
    expect(engine.batches).toEqual([3]);
    const startedEta = (id: string) => {
      const started = events.find((e) => e.type === 'started' && e.job.id === id);
      return started?.type === 'started' ? started.etaMs : undefined;
    };
    expect(batched.map((job) => startedEta(job.id))).toEqual([runMs, runMs, runMs]);
    // A job run alone is told its own time.
    expect(aloneOwnMs).toBeGreaterThan(0);
    expect(startedEta(alone.id)).toBe(aloneOwnMs);
  });

  it('ends every running job of a batch with its run, the time elapsed counted once', async () => {
    // Slow enough to look at while it runs; the clock is the queue's own, moved by hand.
    const engine = new TimedEngineDouble(200, 50);
    let clock = 1_000_000;
    const { queue, store, events } = makeQueue({ engine, maxBatch: 4, now: () => clock });
    const pace = 2000 / engine.estimateCost(imagine('x'));
    store.setCalibration('cpu:text_to_image', pace, 3);
    const batched = ['a', 'b', 'c'].map((u) => submit(queue, user(u), `${u}1`));
    const runMs = Math.round(batched.reduce((sum, job) => sum + job.estimatedCost * pace, 0));
    queue.start();
    await waitFor(events, () => events.filter((e) => e.type === 'started').length === 3);
    const behind = submit(queue, user('d'), 'd1');
    clock += 1500;
    const plan = queue.waitPlan();
    expect(plan.running.map(({ job, endMs }) => [job.id, endMs])).toEqual(
      batched.map((job) => [job.id, runMs - 1500]),
    );
    const ownMs = Math.round(behind.estimatedCost * pace);
    expect(plan.starts.map(({ job, etaMs, endMs }) => [job.id, etaMs, endMs])).toEqual([
      [behind.id, runMs - 1500, runMs - 1500 + ownMs],
    ]);
    await queue.stop({ waitMs: 0 });
  });

  it('runs one job at a time when batching is off', async () => {
    const engine = new TimedEngineDouble(2, 2);
    const { queue, events } = makeQueue({ engine });
    for (const u of ['a', 'b', 'c']) submit(queue, user(u), `${u}1`);
    queue.start();
    await waitFor(events, () => events.filter((ev) => ev.type === 'done').length === 3);
    expect(engine.batches).toEqual([]);
  });
});

describe('admission caps', () => {
  it('refuses past the per-user, per-scope and global caps with locale keys', () => {
    const { queue } = makeQueue({ limits: { maxPerUser: 2, maxPerScope: 3, maxTotal: 4 } });
    submit(queue, user('a'), 'a1');
    submit(queue, user('a'), 'a2');
    const third = queue.submit({
      owner: user('a'),
      scope: 'guild:1',
      kind: 'imagine',
      request: imagine('a3'),
    });
    expect(third).toMatchObject({
      ok: false,
      refusal: { key: 'errors.queue.user_full', params: { count: 2, limit: 2 } },
    });
    submit(queue, user('b'), 'b1');
    const scope = queue.submit({
      owner: user('c'),
      scope: 'guild:1',
      kind: 'imagine',
      request: imagine('c1'),
    });
    expect(scope).toMatchObject({ ok: false, refusal: { key: 'errors.queue.scope_full' } });
    const other = queue.submit({
      owner: user('c'),
      scope: 'guild:2',
      kind: 'imagine',
      request: imagine('c1'),
    });
    expect(other.ok).toBe(true);
    const full = queue.submit({
      owner: user('e'),
      scope: 'guild:3',
      kind: 'imagine',
      request: imagine('e1'),
    });
    expect(full).toMatchObject({ ok: false, refusal: { key: 'errors.queue.full', params: { limit: 4 } } });
  });
});

describe('cancellation', () => {
  it('lets the owner and admins cancel, and refuses everyone else', async () => {
    const { queue, events } = makeQueue({
      admins: ['telegram:admin'],
      engine: new TimedEngineDouble(30, 20),
    });
    const running = submit(queue, user('owner'), 'long one');
    const queued = submit(queue, user('owner'), 'second');
    const third = submit(queue, user('owner'), 'third');
    queue.start();
    await waitFor(events, (e) => e.type === 'progress' && e.job.id === running.id);
    expect(queue.cancel(running.id, user('intruder'))).toBe('refused');
    expect(queue.cancel(queued.id, user('intruder'))).toBe('refused');
    expect(queue.cancel(queued.id, user('owner'))).toBe('cancelled');
    expect(queue.cancel(third.id, { platform: 'telegram', userId: 'admin' })).toBe('cancelled');
    expect(queue.cancel(running.id, user('owner'))).toBe('cancelling');
    await waitFor(events, (e) => e.type === 'cancelled' && e.job.id === running.id);
    expect(queue.get(running.id)?.status).toBe('cancelled');
    // A second press of Cancel says cancelled again, not "already finished".
    expect(queue.cancel(running.id, user('owner'))).toBe('cancelled');
    expect(queue.cancel('00000000-0000-0000-0000-000000000000', user('owner'))).toBe('not_found');
  });

  it('charges a job cancelled part-way only the share of its steps that ran', async () => {
    const { queue, events, store } = makeQueue({ engine: new TimedEngineDouble(40, 10) });
    // Ann's counter, or the floor once she is idle at it and forgotten (fair-counters.ts): where she starts again.
    const counter = () => store.counters().get('discord:ann') ?? store.fairnessFloor();
    // At once: no step ran, so nothing is charged.
    const first = submit(queue, user('ann'), 'one');
    const atSubmit = counter();
    let chargedAtStart = 0;
    queue.subscribe((e) => {
      if (e.type !== 'started' || e.job.id !== first.id) return;
      chargedAtStart = counter() - atSubmit;
      queue.cancel(first.id, user('ann'));
    });
    queue.start();
    await waitFor(events, (e) => e.type === 'cancelled' && e.job.id === first.id);
    expect(chargedAtStart).toBeCloseTo(first.estimatedCost);
    expect(counter()).toBeCloseTo(atSubmit);
    // Half-way: about half of it.
    const second = submit(queue, user('ann'), 'two');
    const before = counter();
    await waitFor(events, (e) => e.type === 'progress' && e.job.id === second.id && e.step === 5);
    queue.cancel(second.id, user('ann'));
    await waitFor(events, (e) => e.type === 'cancelled' && e.job.id === second.id);
    const charged = (counter() - before) / second.estimatedCost;
    expect(charged).toBeGreaterThanOrEqual(0.5);
    expect(charged).toBeLessThanOrEqual(0.7);
  });
});

describe('failure isolation', () => {
  it('fails only the job whose engine run failed, with a localizable key, and goes on', async () => {
    const { queue, events } = makeQueue();
    const bad = submit(queue, user('a'), 'boom please');
    const good = submit(queue, user('b'), 'fine');
    queue.start();
    await waitFor(events, (e) => e.type === 'done' && e.job.id === good.id);
    expect(queue.get(bad.id)).toMatchObject({ status: 'failed', error: { key: 'errors.engine.internal' } });
    expect(queue.get(good.id)?.result?.file).toBe('result.png');
  });

  it('times a job out with its own key', async () => {
    const { queue, events } = makeQueue({
      engine: new TimedEngineDouble(50, 100),
      limits: { jobTimeoutMs: 100 },
    });
    const job = submit(queue, user('a'), 'slow');
    queue.start();
    await waitFor(events, (e) => e.type === 'failed' && e.job.id === job.id);
    expect(queue.get(job.id)?.error?.key).toBe('errors.job.timeout');
  });
});

describe('ETAs by job type', () => {
  it('prices each job type at its own measured speed, not at the device-wide average', async () => {
    // The picture costs 4.4 times less than the question but takes 40 times longer: their speeds per cost unit
    // differ by far more than a loaded machine's timer delays (equal step times once let them coincide).
    const { queue, events } = makeQueue({
      engine: new TimedEngineDouble(2, 3, { text_to_image: 40, understand: 1 }),
    });
    const picture = submit(queue, user('ann'), 'a fox', 512);
    const question = queue.submit({
      owner: user('bob'),
      scope: 'guild:1',
      kind: 'describe',
      request: { task: 'understand', image: { file: 'input.png' }, question: 'what?' },
      files: { 'input.png': await encodePng({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 3) }) },
    });
    if (!question.ok) throw new Error(question.refusal.key);
    queue.start();
    for (const id of [picture.id, question.job.id])
      await waitFor(events, (e) => e.type === 'done' && e.job.id === id);
    const done = (id: string) => queue.get(id) as NonNullable<ReturnType<typeof queue.get>>;
    // One run of each type: its calibration is exactly what it measured (the cost model's ratio between an
    // image and a question no longer matters), while the device-wide rate sits between the two.
    for (const id of [picture.id, question.job.id]) {
      expect(Math.abs(queue.expectedMs(done(id)) - (done(id).measuredMs ?? 0))).toBeLessThanOrEqual(1);
    }
    const deviceWide = (id: string) => done(id).estimatedCost * queue.msPerUnit;
    expect(Math.abs(deviceWide(picture.id) - (done(picture.id).measuredMs ?? 0))).toBeGreaterThan(1);
  });
});
