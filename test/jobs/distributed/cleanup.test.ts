// What Redis keeps of a job once its front-end has taken its end (result copied into its own DATA_DIR): the record
// for a day, no owner entry, no input or result files, no cancel flag.
import { afterEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../engine/index.js';
import type { Owner } from '../../../src/jobs/types.js';
import { type Cluster, eventually, skipWithoutRedis, startCluster, until } from './redis-harness.js';

const skip = await skipWithoutRedis();
const DAY_S = 24 * 3600;

let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe.skipIf(skip)('distributed queue: cleanup of ended jobs', () => {
  it('lets the record expire and drops the owner entry and files once the front-end took the end', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 1 });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const owner: Owner = { platform: 'discord', userId: 'tidy' };
    const input = await encodePng({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 3) });
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'edit',
      request: {
        task: 'image_to_image',
        editType: 'edit_add',
        prompt: 'add a hat',
        image: { file: 'input.png' },
      },
      files: { 'input.png': input },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    await fe.queue.flush();
    expect(await probe.redis.exists(probe.key('file', id, 'input.png'))).toBe(1);
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'done'), 10_000, 'done');
    await eventually(
      async () => (await probe.redis.hget(probe.key('owners'), id)) === null,
      5000,
      'the owner entry to go',
    );
    const ttl = await probe.redis.ttl(probe.key('job', id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(DAY_S);
    expect(await probe.redis.exists(probe.key('file', id, 'input.png'))).toBe(0);
    expect(await probe.redis.exists(probe.key('file', id, 'result.png'))).toBe(0);
    expect(await probe.redis.hget(probe.key('dispatched'), id)).toBeNull();
    // The front-end's own copy is what re-rolls and "Original file" read.
    expect(fe.store.readFile(id, 'result.png').length).toBeGreaterThan(0);
    expect(fe.store.readFile(id, 'input.png').length).toBeGreaterThan(0);
  });

  it('clears a job cancelled while waiting the same way', async () => {
    cluster = await startCluster({ frontEnds: 1, workers: 0 });
    const { probe } = cluster;
    const fe = cluster.frontEnds[0] as Cluster['frontEnds'][number];
    const owner: Owner = { platform: 'discord', userId: 'tidy' };
    const result = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'never drawn', width: 256, height: 256 },
    });
    if (!result.ok) throw new Error('refused');
    const id = result.job.id;
    await fe.queue.flush();
    await until(() => fe.queue.shared.queued.some((j) => j.id === id), 5000, 'the mirror');
    expect(fe.queue.cancel(id, owner)).toBe('cancelled');
    await until(() => fe.events.some((e) => e.job.id === id && e.type === 'cancelled'), 5000, 'cancelled');
    // A second press answers as the first did, not "already finished" (as the single-process queue).
    await until(() => fe.queue.get(id)?.status === 'cancelled', 5000, 'the mirror to say cancelled');
    expect(fe.queue.cancel(id, owner)).toBe('cancelled');
    await eventually(
      async () => (await probe.redis.hget(probe.key('owners'), id)) === null,
      5000,
      'the owner entry to go',
    );
    const ttl = await probe.redis.ttl(probe.key('job', id));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(DAY_S);
  });
});
