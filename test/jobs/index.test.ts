import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJobSystem } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

const config = (dataDir: string) => ({
  dataDir,
  adminIds: ['discord:1'],
  queue: {
    maxPerUser: 2,
    maxRunningPerUser: 1,
    maxBatch: 0,
    maxPerScope: 10,
    maxTotal: 10,
    jobTimeoutMs: 60_000,
    shutdownGraceMs: 10_000,
  },
  limits: { rateLimitPerMinute: 0, maxInputBytes: 1024, maxInputPixels: 1_000_000, blockedWords: [] },
});

describe('openJobSystem', () => {
  it('opens the store under DATA_DIR and the queue with the configured caps and admins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-jobsys-'));
    const jobs = openJobSystem({ config: config(dir), engine: new TimedEngineDouble() });
    const request = { task: 'text_to_image' as const, prompt: 'a', width: 256, height: 256 };
    const submit = () =>
      jobs.queue.submit({
        owner: { platform: 'discord', userId: '2' },
        scope: 'guild:1',
        kind: 'imagine',
        request,
      });
    expect(submit().ok).toBe(true);
    expect(submit().ok).toBe(true);
    const third = submit();
    expect(third.ok ? undefined : third.refusal.key).toBe('errors.queue.user_full');
    expect(jobs.queue.isAdmin({ platform: 'discord', userId: '1' })).toBe(true);
    await jobs.close({ waitMs: 100 });
  });

  it('keeps inputs in the format they arrived in and refuses other file names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-jobsys-'));
    const jobs = openJobSystem({ config: config(dir), engine: new TimedEngineDouble() });
    const id = jobs.store.newId();
    jobs.store.writeFile(id, 'input.jpg', new Uint8Array([0xff, 0xd8, 0xff]));
    jobs.store.writeFile(id, 'ref.webp', new Uint8Array([1]));
    expect([...jobs.store.readFile(id, 'input.jpg')]).toEqual([0xff, 0xd8, 0xff]);
    expect(() => jobs.store.writeFile(id, 'input.exe', new Uint8Array([1]))).toThrow(/invalid job file name/);
    expect(() => jobs.store.writeFile(id, '../x.png', new Uint8Array([1]))).toThrow(/invalid job file name/);
    jobs.store.close();
  });
});
