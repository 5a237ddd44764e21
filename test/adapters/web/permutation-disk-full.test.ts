// A permutation prompt whose first line was queued and whose second hit a full disk: the page is told no refusal (it
// would put the line back, and the line sent again would queue the first job twice), and the answer names the job.
// Real HTTP, commands and queue over the full-disk store double; the queue lets a refused write escape its submit, as
// the distributed FrontQueue does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebMessage } from '../../../adapters/web/render.js';
import type { Playground } from '../../../adapters/web/server.js';
import { Commands } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { JobQueue } from '../../../src/jobs/index.js';
import { fillsAfterFirstQueueDouble } from '../../commands/fills-after-first-queue-double.js';
import { FullDiskStoreDouble } from '../../doubles/full-disk-store.js';
import { HeldEngineDouble } from '../../doubles/held-engine-double.js';
import { queueLimits } from '../../jobs/queue-limits.js';
import { send } from './http-client.js';
import { startPlaygroundOver } from './playground-server.js';

describe('playground: a permutation whose later line hits a full disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-web-permutation-full-'));
  const store = new FullDiskStoreDouble(dir);
  const queue = new JobQueue({
    store,
    engine: new HeldEngineDouble('until-released'),
    limits: queueLimits(),
  });
  const commands = new Commands({
    queue: fillsAfterFirstQueueDouble(queue, store),
    store,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
    },
  });
  let server: Playground;
  let port: number;
  const owner = '0b4c7a44-3c39-4d34-9d6c-2f5f1a7c0a02';

  beforeAll(async () => {
    ({ server, port } = await startPlaygroundOver(commands, {
      maxInputPixels: 1_000_000,
      bundledModel: false,
    }));
  });
  afterAll(async () => {
    await server?.close();
    await queue.stop({ waitMs: 20, abortWaitMs: 20 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not put the line back, and names the job queued before the failure', async () => {
    const boundary = '----dimootest';
    const line = '/imagine a {red, blue} fox';
    const body = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${line}\r\n--${boundary}--\r\n`,
    );
    const answer = await send(port, '/api/messages', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `dimoo_uid=${owner}` },
      body,
    });
    const message = JSON.parse(answer.body) as WebMessage;
    const [job, ...others] = queue.plannedOrder();
    expect(others).toHaveLength(0);
    expect(message).not.toHaveProperty('refused');
    expect(message.jobId).toBe(job?.id);
    const error = message.more?.at(-1);
    expect(error?.lines[0]).toBe(t('en', 'errors.disk_full'));
    expect(error?.lines).toContain(t('en', 'job.queued_before_error', { ids: job?.id.slice(0, 8) ?? '?' }));
    expect(error).not.toHaveProperty('refused');
  });
});
