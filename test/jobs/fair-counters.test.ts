// The fair share forgets idle users it no longer needs to tell apart (src/jobs/fair-counters.ts): those at or below
// the floor, never one above it (their debt) nor an active one, in memory and in the table; decisions are the ones
// every counter kept would give, and a restart decides as the running process would.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineRequest } from '../../engine/index.js';
import { mulberry32 } from '../../engine/testing/mulberry32.js';
import type { JobEvent } from '../../src/jobs/events.js';
import { FairCounters } from '../../src/jobs/fair-counters.js';
import { type Candidate, FairScheduler, liftReturningUser } from '../../src/jobs/index.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

const opened: JobStore[] = [];
const queues: JobQueue[] = [];

function openStore(dir = mkdtempSync(join(tmpdir(), 'dimoo-fair-'))): JobStore {
  const store = new JobStore(dir);
  opened.push(store);
  return store;
}

afterEach(async () => {
  for (const q of queues.splice(0)) await q.stop({ waitMs: 2000 });
  for (const s of opened.splice(0)) s.close();
});

describe('FairCounters.settle', () => {
  it('forgets idle users at or below the floor, keeps one above it and every active one', () => {
    const store = openStore();
    for (const [user, counter] of [
      ['idle-below', 100],
      ['idle-at', 200],
      ['idle-above', 300],
      ['active-low', 200],
      ['active-high', 500],
    ] as const)
      store.setCounter(user, counter);
    const fair = new FairCounters(store);
    fair.settle(
      new Map([
        ['active-low', 0],
        ['active-high', 0],
      ]),
      [],
    );
    expect(fair.floor).toBe(200);
    const kept = ['active-high', 'active-low', 'idle-above'];
    expect([...fair.counters.keys()].sort()).toEqual(kept);
    expect([...store.counters().keys()].sort()).toEqual(kept);
    expect(store.fairnessFloor()).toBe(200);
    // The floor never goes down, even when the least active counter does.
    fair.settle(new Map([['active-low', 0]]), []);
    expect(fair.floor).toBe(200);
  });

  it('bounds the floor by what a running job’s refund could take back', () => {
    const store = openStore();
    store.setCounter('runner', 500);
    store.setCounter('idle', 450);
    const fair = new FairCounters(store);
    // 500 includes a running job charged 100: cancelled at once it would be back at 400, below the idle user.
    fair.settle(new Map([['runner', 100]]), []);
    expect(fair.floor).toBe(400);
    expect(fair.counters.get('idle')).toBe(450);
  });

  it('decides exactly as if every counter were kept, through lifts, charges, refunds and cancels', () => {
    // Few users and many early ends, so the same users leave and come back often, around refunds.
    const USERS = 12;
    const TURNS = 20_000;
    const random = mulberry32(20261206);
    const store = openStore();
    const fair = new FairCounters(store);
    // Every user ever seen, never forgotten, under the same lift rule and floor. The table is written as the queue
    // writes it (job-transitions.ts): each lift and charge.
    const all = new Map<string, number>();
    const scheduler = new FairScheduler({ agingMs: Number.MAX_SAFE_INTEGER, maxRunningPerUser: 1 });
    let queued: Candidate[] = [];
    let running: Candidate | undefined;
    let seq = 0;
    let lifts = 0;
    let keptTotal = 0;
    const activeCharges = () => {
      const active = new Map(queued.map((c) => [c.user, 0]));
      if (running) active.set(running.user, (active.get(running.user) ?? 0) + running.cost);
      return active;
    };
    const chargeBoth = (user: string, cost: number) => {
      fair.counters.set(user, (fair.counters.get(user) as number) + cost);
      all.set(user, (all.get(user) as number) + cost);
      expect(fair.counters.get(user)).toBe(all.get(user));
      store.setCounter(user, fair.counters.get(user) as number);
    };
    for (let turn = 0; turn < TURNS; turn++) {
      keptTotal += fair.counters.size;
      // Arrivals slower than service, so the queue empties now and then; many cancels, around running jobs.
      const r = random();
      if (r < 0.25) {
        const user = `u${Math.floor(random() * USERS)}`;
        const active = activeCharges();
        if (!active.has(user)) {
          lifts++;
          const lifted = fair.lift(user, active.keys());
          expect(lifted).toBe(liftReturningUser(all, user, active.keys(), fair.floor));
          store.setCounter(user, lifted);
        }
        const cost = 1 + Math.floor(random() * 100);
        queued.push({ id: `j${++seq}`, user, seq, cost, priority: 'normal', createdAt: 0 });
      } else if (r < 0.4) {
        const cancelled = queued[Math.floor(random() * queued.length)];
        if (!cancelled) continue;
        queued = queued.filter((c) => c !== cancelled);
        fair.settle(activeCharges(), [cancelled.user]);
      } else if (running) {
        // Done, or ended early keeping only the share of its steps that ran.
        const ran = random() < 0.5 ? random() * 0.5 : 1;
        const ended = running;
        running = undefined;
        chargeBoth(ended.user, -ended.cost * (1 - ran));
        fair.settle(activeCharges(), [ended.user]);
      } else {
        const next = scheduler.pick(queued, fair.counters, new Map(), 0);
        expect(next?.id).toBe(scheduler.pick(queued, all, new Map(), 0)?.id);
        if (!next) continue;
        queued = queued.filter((c) => c !== next);
        running = next;
        chargeBoth(next.user, next.cost);
      }
    }
    expect(lifts).toBeGreaterThan(TURNS / 10);
    expect(all.size).toBe(USERS);
    // Most users are forgotten most of the time; what is kept is what the table holds.
    expect(keptTotal / TURNS).toBeLessThan(USERS / 4);
    expect(new Map(store.counters())).toEqual(fair.counters);
  });
});

describe('JobQueue with forgotten users', () => {
  const LIMITS = {
    maxPerUser: 10,
    maxRunningPerUser: 1,
    maxPerScope: 100,
    maxTotal: 100,
    jobTimeoutMs: 60_000,
  };
  const owner = (userId: string) => ({ platform: 'web' as const, userId });
  const sizeOf = (prompt: string) => (prompt.startsWith('h1') ? 512 : 256);

  function open(dir: string) {
    const engine = new TimedEngineDouble(1, 1);
    const queue = new JobQueue({ store: openStore(dir), engine, limits: LIMITS });
    queues.push(queue);
    const events: JobEvent[] = [];
    queue.subscribe((e) => events.push(e));
    const submit = (...prompts: string[]) => {
      for (const prompt of prompts) {
        const size = sizeOf(prompt);
        const request: EngineRequest = { task: 'text_to_image', prompt, width: size, height: size };
        const result = queue.submit({
          owner: owner(prompt[0] as string),
          scope: 'playground',
          kind: 'imagine',
          request,
        });
        if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
      }
    };
    const settled = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const poll = () => {
          if (events.filter((e) => e.type === 'done').length >= n) return resolve();
          if (Date.now() - started > 10_000) return reject(new Error('jobs never finished'));
          setTimeout(poll, 2);
        };
        poll();
      });
    const starts = () =>
      events.flatMap((e) =>
        e.type === 'started' && 'prompt' in e.job.request ? [e.job.request.prompt] : [],
      );
    return { queue, engine, submit, settled, starts, store: opened.at(-1) as JobStore };
  }

  /** Heavy h runs one 512² job; l three 256² and m one 256² run after it: m and l end at the floor, h above it. */
  async function firstRound(dir: string) {
    const q = open(dir);
    q.submit('h1', 'l1', 'l2', 'l3', 'm1');
    q.queue.start();
    await q.settled(5);
    expect(q.starts()).toEqual(['h1', 'l1', 'm1', 'l2', 'l3']);
    return q;
  }

  it('forgets the light users idle at the floor and keeps the heavy one above it, after a restart too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-fair-queue-'));
    const { queue, store } = await firstRound(dir);
    const light = new TimedEngineDouble().estimateCost({
      task: 'text_to_image',
      prompt: 'l',
      width: 256,
      height: 256,
    });
    const heavy = new TimedEngineDouble().estimateCost({
      task: 'text_to_image',
      prompt: 'h',
      width: 512,
      height: 512,
    });
    expect([...store.counters()]).toEqual([['web:h', heavy]]);
    expect(store.fairnessFloor()).toBeCloseTo(3 * light);
    await queue.stop();
    const again = open(dir);
    expect([...again.store.counters()]).toEqual([['web:h', heavy]]);
    expect(again.store.fairnessFloor()).toBeCloseTo(3 * light);
  });

  it('makes the same decisions after a restart as without one', async () => {
    const kept = await firstRound(mkdtempSync(join(tmpdir(), 'dimoo-fair-kept-')));
    const restartDir = mkdtempSync(join(tmpdir(), 'dimoo-fair-restart-'));
    await (await firstRound(restartDir)).queue.stop();
    const restarted = open(restartDir);
    // m comes back to an empty queue: at the floor, not at the lower counter it had (it would go ahead of h).
    const secondRound = ['m2', 'h2', 'n1', 'm3', 'm4'];
    kept.submit(...secondRound);
    restarted.submit(...secondRound);
    restarted.queue.start();
    await Promise.all([kept.settled(10), restarted.settled(5)]);
    expect(kept.starts().slice(5)).toEqual(['m2', 'n1', 'h2', 'm3', 'm4']);
    expect(restarted.starts()).toEqual(kept.starts().slice(5));
  });
});
