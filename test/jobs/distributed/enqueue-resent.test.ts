// ioredis resends a command whose reply the connection lost (`autoResendUnfulfilledCommands`): a submission's write
// reaches Redis twice. The second run must change nothing and answer as the first did: a job claimed meanwhile is not
// put back on its owner's list, and the held job its replacement cancelled is still reported (its owner is told).
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { ownerKey } from '../../../src/jobs/types.js';
import { aJob } from '../../commands/job-fixture.js';
import { clustersClosedAfterEach, REDIS_URL, skipWithoutRedis } from './redis-harness.js';

const skip = await skipWithoutRedis();
const startCluster = clustersClosedAfterEach();
const owner = { platform: 'discord' as const, userId: 'enqueue-resent' };

describe.skipIf(skip)('distributed queue: a submission’s write run twice', { timeout: 30_000 }, () => {
  it('applies once: the same replace result both times, one entry, no second place after a claim', async () => {
    const cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const state = cluster.probe;
    const old = aJob({ id: randomUUID(), owner, seq: await state.nextSeq() });
    await state.enqueue(old, {}, 'fe-1');
    const next = aJob({ id: randomUUID(), owner, seq: await state.nextSeq() });
    const held = [{ job: { ...old, status: 'cancelled' as const }, hold: 'edit-1' }];
    const files = { 'input-0.png': new Uint8Array([1, 2, 3]) };

    const first = await state.enqueue(next, files, 'fe-1', held);
    const resent = await state.enqueue(next, files, 'fe-1', held);
    expect(first.cancelled.map((j) => j.id)).toEqual([old.id]);
    expect(resent).toEqual(first);
    const list = state.key('wait', ownerKey(owner));
    expect(await state.redis.zrange(list, '0', '-1')).toEqual([next.id]);

    // A worker took it before the resend arrived: the resend must not queue it a second time.
    expect(await state.claim(next)).toBe(true);
    expect(await state.enqueue(next, files, 'fe-1', held)).toEqual(first);
    expect(await state.redis.zrange(list, '0', '-1')).toEqual([]);
    expect(await state.redis.getBuffer(state.key('file', next.id, 'input-0.png'))).toEqual(
      Buffer.from([1, 2, 3]),
    );
  });

  it('through a connection that loses the write’s reply: resent by ioredis, it still reports the cancelled job', async () => {
    const cluster = await startCluster({ frontEnds: 0, workers: 0 });
    const proxy = await replyDroppingProxy('enqueued');
    const url = new URL(REDIS_URL);
    const state = new SharedState(`redis://127.0.0.1:${proxy.port}${url.pathname}`, cluster.prefix);
    closing.push(async () => {
      await state.close();
      proxy.server.close();
    });
    const old = aJob({ id: randomUUID(), owner, seq: await state.nextSeq() });
    await cluster.probe.enqueue(old, {}, 'fe-1');
    const next = aJob({ id: randomUUID(), owner, seq: await state.nextSeq() });
    const held = [{ job: { ...old, status: 'cancelled' as const }, hold: 'edit-1' }];
    proxy.arm();
    const replaced = await state.enqueue(next, {}, 'fe-1', held);
    expect(proxy.dropped()).toBe(true);
    expect(replaced.cancelled.map((j) => j.id)).toEqual([old.id]);
    expect(await state.redis.zrange(state.key('wait', ownerKey(owner)), '0', '-1')).toEqual([next.id]);
  });
});

const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

/**
 * Test double: a TCP proxy to the test Redis that, once armed, lets the first command holding `marker` through and
 * then closes the connection instead of passing its reply back (a network losing the reply after Redis ran it).
 */
async function replyDroppingProxy(marker: string) {
  const target = new URL(REDIS_URL);
  let armed = false;
  let dropped = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    let sentMarked = false;
    client.on('data', (chunk: Buffer) => {
      if (armed && !dropped && chunk.includes(marker)) sentMarked = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (sentMarked && !dropped) {
        dropped = true;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    server,
    port: address.port,
    arm: () => {
      armed = true;
    },
    dropped: () => dropped,
  };
}
