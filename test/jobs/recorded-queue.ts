// One start of the bot for the shutdown and refused-end tests: a queue on `store` with the tests' limits, its
// events recorded from its construction on. The store and engine are each test's own (a JobStore or a full disk's;
// a held or timed engine), and so is any vi.mock of engine/index.js: vi.mock is hoisted within its own test file and
// applies to every module that file loads, this one included.
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { JobQueueOptions } from '../../src/jobs/queue-types.js';
import type { JobStore } from '../../src/jobs/store.js';
import type { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

export function recordedQueue<S extends JobStore>(
  store: S,
  engine: TimedEngineDouble,
  log?: JobQueueOptions['log'],
): { store: S; queue: JobQueue; events: JobEvent[] } {
  const queue = new JobQueue({ store, engine, limits: queueLimits(), ...(log ? { log } : {}) });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  return { store, queue, events };
}
