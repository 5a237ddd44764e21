// Playground uploads that are not what they claim: an empty file is named as such (not run as text-to-image), a
// malformed multipart body is a localized 400 (not a 500), and an unchosen file input is no file at all.
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Playground, startPlaygroundServer } from '../../../adapters/web/server.js';
import { Commands } from '../../../commands/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { t } from '../../../src/i18n.js';
import { type JobSystem, openJobSystem } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';

function post(port: number, headers: Record<string, string>, body: Buffer) {
  return new Promise<{ status: number; lines: string[] }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/messages', method: 'POST', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            lines: (JSON.parse(Buffer.concat(chunks).toString()) as { lines: string[] }).lines,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const BOUNDARY = '----dimooupload';
const HEADERS = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
function form(text: string, file?: { filename: string; data: Buffer }): Buffer {
  const parts = [`--${BOUNDARY}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${text}\r\n`];
  if (file) {
    parts.push(
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="image"; filename="${file.filename}"\r\ncontent-type: application/octet-stream\r\n\r\n${file.data.toString('latin1')}\r\n`,
    );
  }
  parts.push(`--${BOUNDARY}--\r\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

describe('playground uploads', () => {
  let jobs: JobSystem;
  let server: Playground;
  let port: number;

  beforeAll(async () => {
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'dimoo-web-uploads-')),
      LOG_LEVEL: 'silent',
    });
    jobs = openJobSystem({ config, engine: new TimedEngineDouble() });
    server = await startPlaygroundServer({
      commands: new Commands({ queue: jobs.queue, store: jobs.store, config }),
      host: '127.0.0.1',
      port: 0,
      maxInputBytes: 1024 * 1024,
      defaultLocale: 'en',
      bundledModel: true,
      device: 'cpu',
      log: createLogger({ level: 'silent', pretty: false }),
    });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server.close();
    await jobs.close({ waitMs: 100 });
  });

  it('says "the file is empty" for an empty chosen file, and queues nothing', async () => {
    const answer = await post(
      port,
      HEADERS,
      form('make it night', { filename: 'photo.png', data: Buffer.alloc(0) }),
    );
    expect(answer.status).toBe(200);
    expect(answer.lines).toEqual([t('en', 'errors.engine.image_empty')]);
    expect(jobs.store.byStatus('queued', 'running', 'done')).toHaveLength(0);
  });

  it('treats an unchosen file input (empty part, no file name) as no file', async () => {
    const answer = await post(port, HEADERS, form('/queue', { filename: '', data: Buffer.alloc(0) }));
    expect(answer.status).toBe(200);
    expect(answer.lines.join(' ')).not.toContain(t('en', 'errors.engine.image_empty'));
  });

  it('answers a malformed multipart body with a localized 400', async () => {
    const cut = form('a fox', { filename: 'a.png', data: Buffer.alloc(64, 1) }).subarray(0, 120);
    for (const [headers, body] of [
      [HEADERS, cut],
      [{ 'content-type': 'multipart/form-data' }, Buffer.from('no boundary')],
      [HEADERS, Buffer.from('not multipart at all')],
    ] as const) {
      const answer = await post(port, { ...headers, 'accept-language': 'zh-CN' }, body);
      expect(answer.status).toBe(400);
      expect(answer.lines).toEqual([t('zh-CN', 'web.bad_upload')]);
    }
  });
});
