// A line whose job the queue admitted, after which something unforeseen failed (its reply lost to the commands' error
// boundary, `errors.generic`): the page is told no refusal, so it does not put the line back to be sent twice.
// Real HTTP, commands and queue on the timed engine double; the queue is wrapped in a test double that throws once
// its real submit has admitted the job.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebMessage } from '../../../adapters/web/render.js';
import type { Playground } from '../../../adapters/web/server.js';
import { Commands } from '../../../commands/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { t } from '../../../src/i18n.js';
import { type JobQueueApi, type JobSystem, openJobSystem } from '../../../src/jobs/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { send } from './http-client.js';
import { startPlaygroundOver } from './playground-server.js';

/** The real queue, whose `submit` admits the job and then throws, as a failure after admission would. */
function failingAfterAdmissionQueueDouble(real: JobQueueApi): JobQueueApi {
  return new Proxy(real, {
    get(target, key) {
      if (key === 'submit')
        return (...args: Parameters<JobQueueApi['submit']>) => {
          target.submit(...args);
          throw new Error('failed after admission');
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('playground: a failure after the job was admitted', () => {
  let jobs: JobSystem;
  let server: Playground;
  let port: number;
  const owner = '0b4c7a44-3c39-4d34-9d6c-2f5f1a7c0a01';

  beforeAll(async () => {
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-web-admitted-')),
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    jobs = openJobSystem({ config, engine: new TimedEngineDouble() });
    const queue = failingAfterAdmissionQueueDouble(jobs.queue);
    const commands = new Commands({ queue, store: jobs.store, config });
    ({ server, port } = await startPlaygroundOver(commands, {
      maxInputPixels: config.limits.maxInputPixels,
      bundledModel: false,
    }));
  });
  afterAll(async () => {
    await server?.close();
    await jobs?.close({ waitMs: 100 });
  });

  it('answers the generic failure without marking it a refusal, the job queued once', async () => {
    const boundary = '----dimootest';
    const body = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n/imagine a fox\r\n--${boundary}--\r\n`,
    );
    const answer = await send(port, '/api/messages', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: `dimoo_uid=${owner}` },
      body,
    });
    const message = JSON.parse(answer.body) as WebMessage;
    expect(message.lines[0]).toBe(t('en', 'errors.generic'));
    // Told so, where it may have been queued: before sending it again, /queue says.
    expect(message.lines).toContain(t('en', 'job.maybe_queued'));
    // The job is there: sent again, the line would make a second one.
    expect(jobs.queue.plannedOrder()).toHaveLength(1);
    expect(message).not.toHaveProperty('refused');
  });
});
