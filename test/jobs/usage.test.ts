import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Job, JobStore } from '../../src/jobs/index.js';

const stores: JobStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

const alice = { platform: 'discord' as const, userId: 'alice' };
let seq = 0;
function job(overrides: Partial<Job>): Job {
  seq += 1;
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    seq,
    owner: alice,
    scope: 'guild:1',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a boat', width: 512, height: 512 },
    meta: {},
    priority: 'normal',
    status: 'done',
    attempts: 1,
    estimatedCost: 1,
    createdAt: 0,
    ...overrides,
  };
}

describe('JobStore.usageOf', () => {
  it('counts finished images since a time: a grid as its images, a taken image not again, answers apart', () => {
    const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-usage-')));
    stores.push(store);
    const grid = {
      file: 'result.png',
      candidates: [1, 2, 3].map((seed) => ({ file: `c${seed}.png`, seed })),
    };
    store.insert(job({ finishedAt: 1_000, measuredMs: 400 }));
    store.insert(job({ finishedAt: 5_000, measuredMs: 1_200, result: grid }));
    store.insert(job({ finishedAt: 5_000, measuredMs: 1_200, meta: { pick: 2 } }));
    store.insert(
      job({
        finishedAt: 6_000,
        measuredMs: 300,
        kind: 'describe',
        request: { task: 'understand', image: { file: 'input.png' } },
      }),
    );
    store.insert(job({ finishedAt: 7_000, status: 'failed' }));
    store.insert(job({ finishedAt: 7_000, owner: { platform: 'discord', userId: 'bob' } }));
    // A job that ran in a batch waited 900 ms but had a third of the model: a third counts.
    store.insert(job({ finishedAt: 8_000, measuredMs: 900, deviceMs: 300 }));
    expect(store.usageOf(alice)).toEqual({ images: 5, answers: 1, ms: 2_200 });
    expect(store.usageOf(alice, 2_000)).toEqual({ images: 4, answers: 1, ms: 1_800 });
    expect(store.usageOf(alice, 10_000)).toEqual({ images: 0, answers: 0, ms: 0 });
    expect(store.usageOf({ platform: 'telegram', userId: 'alice' })).toEqual({
      images: 0,
      answers: 0,
      ms: 0,
    });
  });
});
