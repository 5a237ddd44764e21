// bench/lib/memory-probe.ts: the leak finder of bench/memory-soak.ts must name a growing structure by its path
// (also inside a Map's entries and TypeScript-private fields) and fit the growth per action.
import { describe, expect, it } from 'vitest';
import { collectionSizes, slope } from '../bench/lib/memory-probe.js';

class Tracker {
  private readonly jobs = new Map<string, { lanes: Set<number> }>();
  add(id: string, lanes: number[]): void {
    this.jobs.set(id, { lanes: new Set(lanes) });
  }
}

describe('collectionSizes', () => {
  it('sums the collections reachable from the roots by path, entries folded into [*]', () => {
    const tracker = new Tracker();
    tracker.add('a', [1, 2]);
    tracker.add('b', [3]);
    const shared = [1, 2, 3];
    const sizes = collectionSizes({ app: { tracker, list: shared, again: shared, bytes: Buffer.alloc(8) } });
    expect(sizes.get('app.tracker.jobs')).toBe(2);
    expect(sizes.get('app.tracker.jobs[*].lanes')).toBe(3);
    // An object reached twice is counted once.
    expect((sizes.get('app.list') ?? 0) + (sizes.get('app.again') ?? 0)).toBe(3);
    expect([...sizes.keys()].some((path) => path.startsWith('app.bytes'))).toBe(false);
  });

  it('follows a cycle without looping', () => {
    const a: Record<string, unknown> = { items: new Set([1]) };
    a.self = a;
    expect(collectionSizes({ a }).get('a.items')).toBe(1);
  });
});

describe('slope', () => {
  it('is the least-squares growth per unit, 0 for a flat or single series', () => {
    expect(slope([0, 1000, 2000], [10, 2010, 4010])).toBe(2);
    expect(slope([0, 1000, 2000], [5, 5, 5])).toBe(0);
    expect(slope([1], [1])).toBe(0);
  });
});
