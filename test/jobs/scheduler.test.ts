import { describe, expect, it } from 'vitest';
import { type Candidate, FairScheduler } from '../../src/jobs/index.js';

const MIN = 60_000;
const scheduler = new FairScheduler({ agingMs: 10 * MIN, maxRunningPerUser: 1 });
const job = (
  id: string,
  user: string,
  seq: number,
  createdAt: number,
  priority: 'normal' | 'high' = 'normal',
): Candidate => ({
  id,
  user,
  seq,
  cost: 100,
  priority,
  createdAt,
});

describe('FairScheduler aging', () => {
  it('does not promote a long backlog over a later user when no high-priority job waits', () => {
    const queued = [job('h1', 'heavy', 1, 0), job('h2', 'heavy', 2, 0), job('l1', 'light', 40, 20 * MIN)];
    const counters = new Map([
      ['heavy', 5000],
      ['light', 4000],
    ]);
    expect(scheduler.pick(queued, counters, new Map(), 20 * MIN)?.id).toBe('l1');
    expect(scheduler.order(queued, counters, 20 * MIN).map((c) => c.id)).toEqual(['l1', 'h1', 'h2']);
  });

  it('promotes a normal job that waited past agingMs while high-priority jobs wait, so it does not starve', () => {
    const counters = new Map([
      ['admin', 900],
      ['old', 100],
      ['fresh', 0],
    ]);
    const queued = [
      job('a1', 'admin', 5, 19 * MIN, 'high'),
      job('o1', 'old', 1, 0),
      job('f1', 'fresh', 6, 19 * MIN),
    ];
    // The aged job joins the high class and, being less served, goes first; the fresh normal job waits behind both.
    expect(scheduler.order(queued, counters, 20 * MIN).map((c) => c.id)).toEqual(['o1', 'a1', 'f1']);
    // Before it has aged, the high job goes first.
    expect(scheduler.pick(queued, counters, new Map(), 5 * MIN)?.id).toBe('a1');
  });
});

describe('FairScheduler dry runs', () => {
  it('charge their own trial over the counters given, which they leave as they were', () => {
    const batching = new FairScheduler({ agingMs: 10 * MIN, maxRunningPerUser: 2 });
    const queued = ['a', 'b', 'c', 'a', 'b', 'a'].map((u, i) => ({
      ...job(`${u}${i}`, u, i + 1, 0),
      cost: 40 + 30 * i,
      batchKey: i % 2 === 0 ? 'x' : 'y',
    }));
    const counters = new Map([
      ['a', 0],
      ['b', 50],
    ]);
    const before = [...counters];
    // Reference: the same picks over a copy charged as it goes.
    const copy = new Map(counters);
    const expected: string[] = [];
    let left = [...queued];
    while (left.length > 0) {
      const next = batching.pick(left, copy, new Map(), 0) as Candidate;
      expected.push(next.id);
      copy.set(next.user, (copy.get(next.user) ?? 0) + next.cost);
      left = left.filter((c) => c !== next);
    }
    expect(batching.order(queued, counters, 0).map((c) => c.id)).toEqual(expected);
    expect(batching.pickBatch(queued, counters, new Map(), 0, 3).map((c) => c.id)).toEqual([
      'a0',
      'c2',
      'b4',
    ]);
    expect([...counters]).toEqual(before);
  });
});
