// Playground uploads that are not what they claim: an empty file is named as such (not run as text-to-image), a
// malformed multipart body is a localized 400 (not a 500), an unchosen file input is no file at all, a text field
// over its limit is refused rather than run cut short, a body the client cut off is given up on, and a file over the
// limit is refused as soon as it passes it (a 413 that closes the connection), the rest of the body never read.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedUpload, readUpload } from '../../../adapters/web/uploads.js';
import { MAX_PROMPT_CHARS } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { createLogger } from '../../../src/log.js';
import { parseRaw, send, streamBody } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

async function post(port: number, headers: Record<string, string>, body: Buffer) {
  const answer = await send(port, '/api/messages', { method: 'POST', headers, body });
  return { status: answer.status, lines: (JSON.parse(answer.body) as { lines: string[] }).lines };
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

/** Sends the headers and the first part of `body` (announcing all of it), then goes away. */
function cutOff(port: number, body: Buffer, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/messages',
      method: 'POST',
      headers: { ...HEADERS, 'content-length': String(body.length) },
    });
    req.on('error', () => undefined);
    req.write(body.subarray(0, sent), () => {
      // Long enough for the server to have read what was sent before the connection goes.
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
  });
}

/**
 * An upload of a `fileBytes` file streamed over a raw socket (`streamBody`): the end of the body is never sent, so
 * only a server that answers before it gives an answer.
 */
function streamUpload(
  port: number,
  fileBytes: number,
  { announce, locale }: { announce: boolean; locale: string },
) {
  return streamBody(port, {
    path: '/api/messages',
    headers: { 'accept-language': locale, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    head: Buffer.from(
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="text"\r\n\r\n/describe\r\n` +
        `--${BOUNDARY}\r\ncontent-disposition: form-data; name="image"; filename="big.png"\r\n` +
        'content-type: image/png\r\n\r\n',
    ),
    fillerBytes: fileBytes,
    tail: Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    announce,
  });
}

/** Resolves with what `promise` settled to, or 'pending' if it has not within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | Error | 'pending'> {
  return Promise.race([
    promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);
}

describe('playground uploads', () => {
  let playground: PlaygroundOnDouble;
  let port: number;
  const logged: string[] = [];

  beforeAll(async () => {
    playground = openPlaygroundOnDouble('uploads');
    ({ port } = await playground.start({
      log: createLogger({ level: 'debug', pretty: false, destination: { write: (l) => logged.push(l) } }),
    }));
  });
  afterAll(async () => {
    await playground.close();
  });

  it('says "the file is empty" for an empty chosen file, and queues nothing', async () => {
    const answer = await post(
      port,
      HEADERS,
      form('make it night', { filename: 'photo.png', data: Buffer.alloc(0) }),
    );
    expect(answer.status).toBe(200);
    expect(answer.lines).toEqual([t('en', 'errors.engine.image_empty')]);
    expect(playground.jobs.store.byStatus('queued', 'running', 'done')).toHaveLength(0);
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

  it('answers a body that breaks mid-way as soon as it breaks, and closes the connection on the rest', async () => {
    // A part whose headers never end: busboy gives up past 16 KiB of them.
    const streamed = await streamBody(port, {
      path: '/api/messages',
      headers: { ...HEADERS, 'accept-language': 'es' },
      head: Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="text"\r\nx-more: `),
      fillerBytes: 64 * 1024 * 1024,
      filler: 0x61,
      tail: Buffer.from('\r\n\r\n'),
      announce: false,
    });
    const { status, headers, lines } = parseRaw(streamed.answer);
    expect(status).toBe(400);
    expect(lines).toEqual([t('es', 'web.bad_upload')]);
    expect(headers).toMatch(/^connection: close$/im);
    expect(streamed.endedByServer).toBe(true);
    expect(streamed.written).toBeLessThan(16 * 1024 * 1024);
  });

  it('refuses a text field cut at its limit as too long, instead of running what was kept', async () => {
    // The first 16 KiB alone are a valid line ("a fox" and spaces); the flags after them would be lost.
    const line = `a fox at dawn${' '.repeat(20_000)}--ar 16:9 --seed 7`;
    const answer = await post(port, { ...HEADERS, 'accept-language': 'fr' }, form(line));
    expect(answer.status).toBe(200);
    expect(answer.lines).toEqual([
      t('fr', 'errors.prompt_too_long_cut', { length: 16_384, limit: MAX_PROMPT_CHARS }),
    ]);
    // What arrived is a lower bound: the answer says "over" it, not that the line was that long.
    expect(answer.lines[0]).toMatch(/plus de 16384 caractères/);
    expect(playground.jobs.store.byStatus('queued', 'running', 'done')).toHaveLength(0);
  });

  it('gives up on an upload the client cut off, in a field or a file, and answers the next one', async () => {
    const image = Buffer.alloc(200_000, 9);
    const body = form('make it night', { filename: 'a.png', data: image });
    for (const sent of [40, 180, 100_000]) {
      logged.length = 0;
      await cutOff(port, body, sent);
      const deadline = Date.now() + 2_000;
      while (!logged.some((l) => l.includes('upload cut off')) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(
        logged.filter((l) => l.includes('upload cut off')),
        `cut after ${sent} bytes`,
      ).toHaveLength(1);
      expect(logged.join('\n')).not.toContain('request failed');
    }
    expect((await post(port, HEADERS, form('/queue'))).status).toBe(200);
  });

  it('refuses a file over the limit as soon as it passes it, with or without a length, and stops reading', async () => {
    const MiB = 1024 * 1024;
    for (const [fileBytes, announce] of [
      // Announced, but within what a valid upload could be: read until the file passes the limit.
      [1.5 * MiB, true],
      // Announced beyond any valid upload: refused before a byte of it is read.
      [64 * MiB, true],
      // Chunked: no length to go by, so the file passing the limit is what stops it.
      [64 * MiB, false],
    ] as const) {
      const what = `${fileBytes} bytes, ${announce ? 'announced' : 'chunked'}`;
      const streamed = await streamUpload(port, fileBytes, { announce, locale: 'de' });
      const { status, headers, lines } = parseRaw(streamed.answer);
      // Answered before the client finished sending (it holds back the body's end until then), and closed.
      expect(status, what).toBe(413);
      expect(headers, what).toMatch(/^connection: close$/im);
      expect(streamed.endedByServer, what).toBe(true);
      if (fileBytes > 8 * MiB) expect(streamed.written, what).toBeLessThan(fileBytes / 4);
      // The size named is the one announced; a chunked body has none to name.
      expect(lines, what).toEqual([
        announce
          ? t('de', 'errors.input.too_large', { sizeBytes: streamed.bodyBytes, limitBytes: MiB })
          : t('de', 'errors.input.too_large_unsized', { limitBytes: MiB }),
      ]);
    }
    expect(playground.jobs.store.byStatus('queued', 'running', 'done')).toHaveLength(0);
    // The server goes on answering.
    expect((await post(port, HEADERS, form('/queue'))).status).toBe(200);
  });

  it('takes a file of exactly the limit (it is not over it)', async () => {
    const answer = await post(
      port,
      HEADERS,
      form('/describe', { filename: 'a.png', data: Buffer.alloc(1024 * 1024, 7) }),
    );
    expect(answer.lines).toEqual([t('en', 'errors.engine.image_unsupported')]);
  });

  it('settles the upload it reads when the client goes away (no promise left waiting forever)', async () => {
    let read: Promise<unknown> = new Promise(() => undefined);
    const bare = createServer((req, res) => {
      read = readUpload(req, 1024 * 1024);
      read.catch(() => res.end());
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const body = form('a fox', { filename: 'a.png', data: Buffer.alloc(100_000, 3) });
      await cutOff((bare.address() as AddressInfo).port, body, 50_000);
      const outcome = await within(read, 2_000);
      expect(outcome).toBeInstanceOf(MalformedUpload);
    } finally {
      bare.closeAllConnections();
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});
