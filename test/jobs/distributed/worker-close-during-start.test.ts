// `dimoo worker` races its start against SIGINT: a worker closed while start() waits on Redis must open nothing
// after close() (a subscriber, BullMQ's worker) and must not join the pool again (a heartbeat close already cleared:
// a workers entry the dispatcher hands runs to, and "worker heartbeat failed" lines for ever). Each of start's waits
// is held here until close() has given up waiting for it (Redis away longer than its bound), then let go.
import { Worker } from 'bullmq';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { LIMITS, REDIS_URL, skipWithoutRedis, uniquePrefix } from './redis-harness.js';

const skip = await skipWithoutRedis();
const opened: SharedState[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const state of opened.splice(0)) {
    await removeAllKeys(state.redis, state.prefix);
    await state.close();
  }
});

type Gate = 'clock' | 'alive' | 'bullmq';

/** Holds start() at `gate`: `reached` once it waits there, until `release` is called. */
function hold(state: SharedState, gate: Gate): { reached: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reach: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const wait = () => {
    reach();
    return held;
  };
  if (gate === 'clock') {
    const synced = state.clock.synced;
    Object.defineProperty(state.clock, 'synced', { value: synced.then(wait) });
  } else if (gate === 'alive') {
    const set = state.redis.set.bind(state.redis);
    // The first SET is markAlive's, before BullMQ's worker is made.
    vi.spyOn(state.redis, 'set').mockImplementationOnce((async (...args: Parameters<typeof set>) => {
      await wait();
      return set(...args);
    }) as never);
  } else {
    const ready = Worker.prototype.waitUntilReady;
    vi.spyOn(Worker.prototype, 'waitUntilReady').mockImplementation(async function (this: Worker) {
      await wait();
      return ready.call(this);
    });
  }
  return { reached, release };
}

describe.skipIf(skip)('distributed queue: a worker closed during its start', () => {
  it.each<Gate>(['clock', 'alive', 'bullmq'])(
    'closed while start waits on %s: opens nothing after, joins no pool',
    async (gate) => {
      const state = new SharedState(REDIS_URL, uniquePrefix());
      opened.push(state);
      await state.clock.synced;
      const lines: string[] = [];
      const worker = new DistributedWorker({
        state,
        url: REDIS_URL,
        engine: new TimedEngineDouble(5, 3),
        jobTimeoutMs: LIMITS.jobTimeoutMs,
        lockMs: 4000,
        log: (_level, message) => void lines.push(message),
      });
      const { reached, release } = hold(state, gate);
      const subscribers = vi.spyOn(state, 'subscriber');
      const workersMade = vi.spyOn(Worker.prototype, 'run');
      const beats = vi.spyOn(state, 'heartbeat');
      const started = worker.start().catch(() => undefined);
      await reached;
      await worker.close(0, 0);
      release();
      await started;
      expect(beats).not.toHaveBeenCalled();
      expect(await state.redis.zscore(state.key('workers'), worker.id)).toBeNull();
      if (gate === 'clock') expect(subscribers).not.toHaveBeenCalled();
      if (gate !== 'bullmq') expect(workersMade).not.toHaveBeenCalled();
      expect(lines).not.toContain('worker heartbeat failed');
    },
    20_000,
  );
});
