import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const LIMITS = queueLimits();

/** Runs the worker in a child process until it starts a job, then kills it with SIGKILL. */
function runChildUntilStartedThenKill(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/fixtures/worker-child.ts', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child never started a job: ${out}`));
    }, 20_000);
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      const match = /started (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        child.on('exit', () => resolve(match[1] as string));
      }
    });
  });
}

describe('restart after kill -9', () => {
  it('keeps queued jobs in order, retries the running one once, then apologises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-restart-'));
    const setup = new JobQueue({ store: new JobStore(dir), engine: new TimedEngineDouble(), limits: LIMITS });
    const ids: string[] = [];
    for (const [u, prompt] of [
      ['a', 'a1'],
      ['b', 'b1'],
      ['a', 'a2'],
      ['c', 'c1'],
    ]) {
      const r = setup.submit({
        owner: { platform: 'telegram', userId: u as string },
        scope: 'chat:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: prompt as string, width: 64, height: 64 },
      });
      if (r.ok) ids.push(r.job.id);
    }
    const plannedBefore = setup.plannedOrder().map((j) => j.id);

    const firstRun = await runChildUntilStartedThenKill(dir);
    expect(firstRun).toBe(plannedBefore[0]);

    // After the crash: the interrupted job is queued again (attempt 1 of 2) and nothing is lost.
    const store = new JobStore(dir);
    const afterCrash = new JobQueue({ store, engine: new TimedEngineDouble(), limits: LIMITS });
    expect(
      store
        .byStatus('queued')
        .map((j) => j.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(afterCrash.get(firstRun)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(afterCrash.plannedOrder().map((j) => j.id)).toEqual(plannedBefore);
    store.close();

    // Killed again during the retry: the job is failed with an apology, the others still wait.
    const secondRun = await runChildUntilStartedThenKill(dir);
    expect(secondRun).toBe(firstRun);
    const store2 = new JobStore(dir);
    const engine = new TimedEngineDouble();
    const resumed = new JobQueue({ store: store2, engine, limits: LIMITS });
    const events: JobEvent[] = [];
    resumed.subscribe((e) => events.push(e));
    const plannedAfterRecovery = resumed.plannedOrder().map((j) => j.id);
    expect([...plannedAfterRecovery].sort()).toEqual(plannedBefore.slice(1).sort());
    resumed.start();
    await new Promise<void>((resolve) => {
      const poll = () =>
        events.filter((e) => e.type === 'done').length === 3 ? resolve() : setTimeout(poll, 5);
      poll();
    });
    const failed = events.find((e) => e.type === 'failed');
    expect(failed?.job).toMatchObject({ id: firstRun, error: { key: 'errors.job.interrupted' } });
    // The failed run is refunded (it delivered nothing), so its owner's next job may move up; the start order is
    // exactly the recovered queue's dry run.
    expect(events.filter((e) => e.type === 'started').map((e) => e.job.id)).toEqual(plannedAfterRecovery);
    await resumed.stop();
    store2.close();
  });
});

describe('a crash while a job is being cancelled', () => {
  it('stores the cancel at once, and a restart ends the job cancelled instead of running it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-restart-cancel-'));
    const store = new JobStore(dir);
    // Slow steps: the job is still running (its step not yet ended) when the process "dies".
    const queue = new JobQueue({ store, engine: new TimedEngineDouble(200, 50), limits: LIMITS });
    const owner = { platform: 'telegram' as const, userId: 'a' };
    const submitted = queue.submit({
      owner,
      scope: 'chat:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64 },
    });
    if (!submitted.ok) throw new Error('not queued');
    const id = submitted.job.id;
    const started = new Promise<void>((resolve) =>
      queue.subscribe((e) => e.type === 'started' && e.job.id === id && resolve()),
    );
    queue.start();
    await started;
    expect(queue.cancel(id, owner)).toBe('cancelling');
    // What a crash right now would leave behind: the row as stored, still running, with the cancel on it.
    const row = new JobStore(dir);
    expect(row.get(id)).toMatchObject({ status: 'running', meta: { cancelRequested: true } });
    row.close();
    await queue.stop();
    // Put the row back as the crash would have left it (stop() let the cancel finish), then restart.
    const job = store.get(id);
    if (!job) throw new Error('job missing');
    store.update({ ...job, status: 'running', finishedAt: undefined });
    store.close();
    const restarted = new JobQueue({
      store: new JobStore(dir),
      engine: new TimedEngineDouble(),
      limits: LIMITS,
    });
    const events: JobEvent[] = [];
    restarted.subscribe((e) => events.push(e));
    expect(restarted.get(id)?.status).toBe('cancelled');
    restarted.start();
    expect(events.map((e) => `${e.type}:${e.job.id}`)).toContain(`cancelled:${id}`);
    await restarted.stop();
  });
});
