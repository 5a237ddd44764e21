// `npm start` with QUEUE_URL stopping while Redis is away mid-delivery: the drain (before the adapters stop) waited
// on the event being delivered without end, and the queue's stop, once past SHUTDOWN_GRACE_S, had the store closed
// under a delivery that still wrote to it. The queue's waits are held here as Redis away would hold them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { createLogger } from '../../../src/log.js';
import { openServices } from '../../../src/services.js';
import { REDIS_URL, skipWithoutRedis, uniquePrefix } from './redis-harness.js';

const skip = await skipWithoutRedis();
const prefixes: string[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  const probe = new SharedState(REDIS_URL, 'stop-bounds-cleanup');
  for (const prefix of prefixes.splice(0)) await removeAllKeys(probe.redis, prefix);
  await probe.close();
});

async function frontEnd(graceS = '1') {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const lines: string[] = [];
  const log = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => void lines.push((JSON.parse(line) as { msg: string }).msg) },
  });
  const config = loadConfig({
    QUEUE_URL: REDIS_URL,
    QUEUE_PREFIX: prefix,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-stop-bounds-')),
    SHUTDOWN_GRACE_S: graceS,
  });
  const services = await openServices(config, log);
  services.start();
  return { services, lines };
}

/** A promise held until its release, as a wait on an absent Redis is. */
function held(): { promise: Promise<void>; release: () => void } {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** The queue's drain and its stop, each held until released (a delivery, then goodbyes, waiting on Redis). */
function holdDrainAndStop(): { delivering: ReturnType<typeof held>; stopHeld: ReturnType<typeof held> } {
  const delivering = held();
  const stopHeld = held();
  const stop = FrontQueue.prototype.stop;
  vi.spyOn(FrontQueue.prototype, 'drain').mockReturnValue(delivering.promise);
  vi.spyOn(FrontQueue.prototype, 'stop').mockImplementation(async function (this: FrontQueue) {
    await stopHeld.promise;
    return stop.call(this);
  });
  return { delivering, stopHeld };
}

describe.skipIf(skip)('distributed queue: stopping a front-end while Redis is away mid-delivery', () => {
  it('the drain ends within SHUTDOWN_GRACE_S', async () => {
    const delivering = held();
    vi.spyOn(FrontQueue.prototype, 'drain').mockReturnValue(delivering.promise);
    const { services } = await frontEnd();
    await services.drain?.();
    delivering.release();
    await services.close();
  }, 20_000);

  it('the drain and the stop share one SHUTDOWN_GRACE_S: a drain that spent it leaves the stop its goodbyes only', async () => {
    const { delivering, stopHeld } = holdDrainAndStop();
    // A grace far past the test's own timeout: a stop given the whole grace again fails the test by timing out.
    const { services, lines } = await frontEnd('600');
    const draining = services.drain?.();
    // The delivery answers just as the grace runs out (the clock moved on by it, not waited for).
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 600_000);
    delivering.release();
    await draining;
    await services.close();
    expect(lines).toContain('the shared queue did not answer while stopping: stopped without it');
    clock.mockRestore();
    stopHeld.release();
  }, 20_000);

  it('the stop is given what the drain left of the grace, however long the adapters took between', async () => {
    const { delivering, stopHeld } = holdDrainAndStop();
    const { services, lines } = await frontEnd('600');
    const draining = services.drain?.();
    // The drain spends 400 s of the 600 (the clock moved on, not waited for) ...
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 400_000);
    delivering.release();
    await draining;
    // ... and the adapters' stop 300 s more, none of it the queue's.
    clock.mockReturnValue(now + 700_000);
    // The stop's bound is its timer (within.ts): seen here, then the stop is let go well before it.
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const closing = services.close();
    await vi.waitFor(() =>
      expect(timers.mock.calls.map((call) => call[1])).toContainEqual(expect.closeTo(200_000, -3)),
    );
    clock.mockRestore();
    stopHeld.release();
    await closing;
    expect(lines).not.toContain('the shared queue did not answer while stopping: stopped without it');
  }, 20_000);

  it('slow adapters between the drain and the stop leave a Redis that answers its goodbyes: no false alarm', async () => {
    const { services, lines } = await frontEnd('1');
    await services.drain?.();
    // The updates settling and the adapters' replies in flight took longer than the whole grace.
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 1100);
    await services.close();
    expect(lines).not.toContain('the shared queue did not answer while stopping: stopped without it');
  }, 20_000);

  it('a delivery still writing after the stop’s bound finds the store open', async () => {
    const delivering = held();
    const stop = FrontQueue.prototype.stop;
    let lateWrite: unknown = 'not yet';
    const { services, lines } = await frontEnd();
    vi.spyOn(FrontQueue.prototype, 'stop').mockImplementation(async function (this: FrontQueue) {
      await delivering.promise;
      // What a delivery does once Redis answers: the job's end written to the local store.
      try {
        services.jobs.store.byStatus('queued', 'running');
        lateWrite = 'written';
      } catch (error) {
        lateWrite = error;
      }
      return stop.call(this);
    });
    await services.close();
    expect(lines).toContain('the shared queue did not answer while stopping: stopped without it');
    delivering.release();
    await vi.waitFor(() => expect(lateWrite).not.toBe('not yet'));
    expect(lateWrite).toBe('written');
  }, 20_000);
});
