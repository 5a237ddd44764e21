// A running job whose Cancel was pressed, on the real Redis: every progress its owner's front-end hears afterwards
// carries the cancel request, so its message keeps saying "Stopping…" (no Cancel button) as in one process, never
// "step 7 of 64" again. The engine may report a step or two after the abort (a real one is mid-call), and the
// worker's events published before it heard the cancel are still on their way.
import { afterEach, describe, expect, it } from 'vitest';
import { renderEvent } from '../../../commands/render.js';
import type { EngineRequest, EngineResult, GenerateOptions } from '../../../engine/index.js';
import type { JobEvent } from '../../../src/jobs/events.js';
import type { Owner } from '../../../src/jobs/types.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  type FrontEndOnRedis,
  skipWithoutRedis,
  startCluster,
  submitImagine,
  until,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'canceller' };

/** Test double: reports `lateSteps` more steps after its signal aborts before it stops, as a real engine mid-call. */
class LateStopEngineDouble extends TimedEngineDouble {
  /** The step of the first progress reported after the abort. */
  firstLateStep: number | undefined;

  constructor(private readonly lateSteps = 2) {
    super(40, 60);
  }

  override generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    const late = new AbortController();
    let reported = 0;
    return super.generate(request, {
      ...options,
      signal: late.signal,
      onProgress: (p) => {
        const aborted = options.signal?.aborted === true;
        if (aborted) this.firstLateStep ??= p.step;
        options.onProgress?.(p);
        if (aborted && ++reported >= this.lateSteps) late.abort();
      },
    });
  }
}

interface Setup {
  frontEnds: FrontEndOnRedis[];
  engine: LateStopEngineDouble;
  close(): Promise<void>;
}

let setup: Setup | undefined;

afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

async function start(frontEndCount: number): Promise<Setup> {
  const engine = new LateStopEngineDouble();
  const cluster = await startCluster({ frontEnds: frontEndCount, workers: 1, engine: () => engine });
  return { frontEnds: cluster.frontEnds, engine, close: () => cluster.close() };
}

type Progress = Extract<JobEvent, { type: 'progress' }>;
const isProgress = (e: JobEvent): e is Progress => e.type === 'progress';

const renderDeps = { store: { readFile: () => Buffer.alloc(0) }, defaultLocale: 'en' as const, now: () => 0 };

describe.skipIf(skip)('distributed queue: progress after Cancel', { timeout: 60_000 }, () => {
  it("says stopping at the owner's front-end from the press on, until Cancelled", async () => {
    setup = await start(1);
    const fe = setup.frontEnds[0] as Setup['frontEnds'][number];
    const job = submitImagine(fe, owner, 'a fox');
    const progressOf = () => fe.events.filter((e) => e.job.id === job.id && e.type === 'progress');
    await until(() => progressOf().length >= 2, 10_000, 'steps');

    expect(fe.queue.cancel(job.id, owner)).toBe('cancelling');
    const before = progressOf().length;
    // As a reload of the owner's history reads it before the end (commands/history.ts).
    expect(fe.store.get(job.id)?.meta.cancelRequested).toBe(true);
    await until(
      () => fe.events.some((e) => e.job.id === job.id && e.type === 'cancelled'),
      10_000,
      'Cancelled',
    );
    const after = progressOf().slice(before);
    // The double reported two steps after the abort: they reached the owner.
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const event of after) {
      expect(event.job.meta.cancelRequested).toBe(true);
      const reply = await renderEvent(event, renderDeps);
      expect(reply.text).toEqual([{ key: 'cancel.stopping' }]);
      expect(reply.buttons ?? []).toEqual([]);
    }
  });

  it("says stopping at the owner's front-end when an admin cancelled at another", async () => {
    setup = await start(2);
    const [mine, other] = setup.frontEnds as [Setup['frontEnds'][number], Setup['frontEnds'][number]];
    const job = submitImagine(mine, owner, 'a heron');
    const progressOf = () => mine.events.filter(isProgress).filter((e) => e.job.id === job.id);
    await until(() => progressOf().length >= 2, 10_000, 'steps');
    await until(() => other.queue.shared.dispatched.has(job.id), 10_000, 'the other front-end to see it run');

    expect(other.queue.cancel(job.id, { platform: 'discord', userId: 'admin' }, true)).toBe('cancelling');
    await until(
      () => mine.events.some((e) => e.job.id === job.id && e.type === 'cancelled'),
      10_000,
      'Cancelled',
    );
    const late = setup.engine.firstLateStep as number;
    expect(late).toBeDefined();
    const afterAbort = progressOf().filter((e) => e.step >= late);
    expect(afterAbort.length).toBeGreaterThanOrEqual(2);
    for (const event of afterAbort) expect(event.job.meta.cancelRequested).toBe(true);
  });
});
