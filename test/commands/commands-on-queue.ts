// Commands over a real JobStore (in a folder of its own) and JobQueue on the timed engine double: what the command
// tests that run jobs through start from. Called inside a test; the queue stops, and the store closes and its
// folder goes, when that test ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { Commands, type CommandsOptions } from '../../commands/commands.js';
import type { JobUpdateListener } from '../../commands/job-updates.js';
import { JobQueue, type JobQueueOptions, JobStore, type QueueLimits } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

export interface CommandsOnQueueOptions {
  /** Default 1 ms a step, 3 steps. */
  engine?: TimedEngineDouble;
  /** Whether the engine's pace is already measured (0.002 ms a cost unit), so a job's wait can be told; default yes. */
  paceKnown?: boolean;
  /** Over 20 jobs a user, 1 running, 50 a scope and in all, a minute a job. */
  limits?: Partial<QueueLimits>;
  queue?: Pick<JobQueueOptions, 'maxBatch' | 'now' | 'admins'>;
  commands?: Pick<CommandsOptions, 'now' | 'randomSeed' | 'platforms' | 'randomModel' | 'log'>;
  /** Every rendered job update, subscribed before the queue starts. */
  onUpdate?: JobUpdateListener;
  /** Whether the queue runs jobs from the start; default yes. */
  start?: boolean;
  /** How the queue stops at the test's end; default 2 s for the running job. */
  stop?: Parameters<JobQueue['stop']>[0];
}

/** English, no rate limit, inputs up to 200 kB and 1 MP: the commands every test here runs over. */
const TEST_COMMANDS_CONFIG: CommandsOptions['config'] = {
  defaultLocale: 'en',
  limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
};

/** Commands as `commandsOnQueue` makes them, over a shared queue's front-end (a test's cluster). */
export function commandsOnFrontEnd(fe: { queue: CommandsOptions['queue']; store: JobStore }): Commands {
  return new Commands({ queue: fe.queue, store: fe.store, config: TEST_COMMANDS_CONFIG });
}

/** `name` names the store's folder (dimoo-<name>-…). No rate limit; inputs up to 200 kB and 1 MP. */
export function commandsOnQueue(name: string, options: CommandsOnQueueOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), `dimoo-${name}-`));
  const store = new JobStore(dir);
  const engine = options.engine ?? new TimedEngineDouble(1, 3);
  if (options.paceKnown ?? true) store.setCalibration(engine.info.device, 0.002, 1);
  const queue = new JobQueue({
    store,
    engine,
    limits: {
      maxPerUser: 20,
      maxRunningPerUser: 1,
      maxPerScope: 50,
      maxTotal: 50,
      jobTimeoutMs: 60_000,
      ...options.limits,
    },
    ...options.queue,
  });
  const commands = new Commands({
    queue,
    store,
    config: TEST_COMMANDS_CONFIG,
    ...options.commands,
  });
  // The app's order at shutdown: the worker stops, updates are no longer rendered, the store closes.
  onTestFinished(async () => {
    await queue.stop(options.stop ?? { waitMs: 2000 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  if (options.onUpdate) commands.subscribe(options.onUpdate);
  if (options.start ?? true) queue.start();
  return { store, engine, queue, commands, dir };
}

/** A seed source counting up from `first`, so each job's seed differs and a test's are the same every run. */
export function seedsFrom(first: number): () => number {
  let seed = first;
  return () => seed++;
}
