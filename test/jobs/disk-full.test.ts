// A full disk never stops the worker: a job whose result cannot be saved fails with a message to its owner (the
// failed event goes out even when the database cannot record it), a job that could not even start stays queued,
// submissions are refused with the same message, and once space returns the next jobs run.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/jobs/events.js';
import { JobQueue } from '../../src/jobs/queue.js';
import type { Owner } from '../../src/jobs/types.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { waitUntil } from '../doubles/shared/wait.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

const open: JobQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

function setup(engine = new TimedEngineDouble(5, 3)) {
  const store = new FullDiskStoreDouble(mkdtempSync(join(tmpdir(), 'dimoo-diskfull-')));
  const logged: string[] = [];
  const queue = new JobQueue({
    store,
    engine,
    limits: queueLimits({ maxPerUser: 5 }),
    log: (_level, message) => logged.push(message),
  });
  const events: JobEvent[] = [];
  queue.subscribe((e) => events.push(e));
  open.push(queue);
  return { store, queue, events, logged };
}

const owner = (id: string): Owner => ({ platform: 'web', userId: id });
const imagine = (prompt: string) => ({ task: 'text_to_image' as const, prompt, width: 256, height: 256 });

function submit(queue: JobQueue, who: string, prompt: string) {
  const result = queue.submit({
    owner: owner(who),
    scope: 'playground',
    kind: 'imagine',
    request: imagine(prompt),
  });
  if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
  return result.job;
}

describe('a full disk', () => {
  it('fails the job whose result cannot be saved, tells its owner, and runs the next job once space returns', async () => {
    const { store, queue, events, logged } = setup();
    const first = submit(queue, 'ann', 'a fox');
    // The disk fills while the job runs: neither the PNG nor the database row can be written.
    queue.subscribe((e) => {
      if (e.type === 'started' && e.job.id === first.id) store.full = true;
    });
    queue.start();
    await waitUntil(
      () => events.some((e) => e.type === 'failed' && e.job.id === first.id),
      'the first job failed',
    );
    const failed = events.find((e) => e.type === 'failed' && e.job.id === first.id);
    expect(failed?.job.error).toEqual({ key: 'errors.disk_full', params: {} });
    expect(logged).toContain('could not record a finished job');
    // Its row still says running; the queue answers with the end its owner was told (/cancel, /queue, history).
    expect(store.get(first.id)?.status).toBe('running');
    expect(queue.get(first.id)?.status).toBe('failed');

    store.full = false;
    const second = submit(queue, 'bob', 'a boat');
    await waitUntil(
      () => events.some((e) => e.type === 'done' && e.job.id === second.id),
      'the second job is done',
    );
    expect(store.get(second.id)?.status).toBe('done');
    // The first job's end is stored once the database takes writes again: not listed as running meanwhile, nor
    // run again by the next start after its owner was told it failed.
    expect(store.get(first.id)).toMatchObject({ status: 'failed', error: { key: 'errors.disk_full' } });
  });

  it('keeps a job queued when it cannot even be marked running, and runs it when space returns', async () => {
    const { store, queue, events, logged } = setup();
    const job = submit(queue, 'ann', 'a fox');
    store.full = true;
    queue.start();
    await waitUntil(() => logged.includes('job worker error (continuing)'), 'the worker logged the error');
    expect(store.get(job.id)?.status).toBe('queued');
    expect(events.some((e) => e.type === 'started')).toBe(false);
    store.full = false;
    await waitUntil(
      () => events.some((e) => e.type === 'done' && e.job.id === job.id),
      'the job is done',
      5000,
    );
  });

  it('refuses a submission whose inputs cannot be stored with the disk-full message, and leaves nothing behind', () => {
    const { store, queue } = setup();
    store.full = true;
    const result = queue.submit({
      owner: owner('ann'),
      scope: 'playground',
      kind: 'describe',
      request: { task: 'understand', image: { file: 'input.png' }, question: 'what?' },
      files: { 'input.png': Uint8Array.of(1, 2, 3) },
    });
    expect(result).toEqual({ ok: false, refusal: { key: 'errors.disk_full', params: {} } });
    store.full = false;
    expect(store.byStatus('queued')).toHaveLength(0);
    expect(readdirSync(join(store.dataDir, 'jobs'))).toEqual([]);
  });

  it('removes a half-written result when only the database still has room', async () => {
    const { store, queue, events } = setup();
    const job = submit(queue, 'ann', 'a fox');
    store.databaseFull = false;
    queue.subscribe((e) => {
      if (e.type === 'started') store.full = true;
    });
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'failed'), 'the job failed');
    expect(store.get(job.id)).toMatchObject({ status: 'failed', error: { key: 'errors.disk_full' } });
    expect(existsSync(store.filePath(job.id, 'result.png'))).toBe(false);
  });

  it('removes every image of a grid when its last file cannot be written', async () => {
    const { store, queue, events } = setup();
    const result = queue.submit({
      owner: owner('ann'),
      scope: 'playground',
      kind: 'imagine',
      request: { ...imagine('a fox'), count: 3, seed: 5 },
    });
    if (!result.ok) throw new Error('refused');
    store.databaseFull = false;
    queue.subscribe((e) => {
      if (e.type === 'started') {
        store.full = true;
        store.fileWritesLeft = 3; // the three images fit, their grid does not
      }
    });
    queue.start();
    await waitUntil(() => events.some((e) => e.type === 'failed'), 'the job failed');
    expect(store.get(result.job.id)).toMatchObject({ status: 'failed', error: { key: 'errors.disk_full' } });
    expect(
      readdirSync(join(store.dataDir, 'jobs', result.job.id)).filter((f) => f.startsWith('result')),
    ).toEqual([]);
  });
});
