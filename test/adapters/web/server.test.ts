// The playground server's guards, over real HTTP: the static allowlist against traversal, the access token off
// loopback, the security headers on every answer, and upload limits answered with the localized refusal; a /queue
// answer counts as delivered once written.
// Real commands and queue; the engine is the timed test double (these requests never reach a run).
import { request } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_BODY_BYTES } from '../../../adapters/web/json-body.js';
import { COMMANDS, MAX_LINE_CHARS, MAX_PROMPT_CHARS } from '../../../commands/index.js';
import { placeholders, t } from '../../../src/i18n.js';
import type { Job } from '../../../src/jobs/index.js';
import { finishedResults, imagineRequest } from '../../commands/finished-results.js';
import { manyFrames } from '../../engine/image/image-bombs.js';
import { parseRaw, send, streamBody } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

function multipart(text: string, image?: Buffer): { headers: Record<string, string>; body: Buffer } {
  const boundary = '----dimootest';
  const parts: Buffer[] = [
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${text}\r\n`),
  ];
  if (image) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="image"; filename="in.png"\r\ncontent-type: image/png\r\n\r\n`,
      ),
      image,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat(parts),
  };
}

describe('playground server', () => {
  let playground: PlaygroundOnDouble;
  const start = (host: string, accessToken?: string) => playground.start({ host, accessToken });

  beforeAll(() => {
    playground = openPlaygroundOnDouble('server', { MAX_INPUT_PIXELS: '65536' });
  });
  afterAll(async () => {
    await playground.close();
  });

  it('serves only the allowlisted assets; traversal and other paths get 404', async () => {
    const { port } = await start('127.0.0.1');
    const page = await send(port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect((await send(port, '/app.js')).headers['content-type']).toMatch(/javascript/);
    for (const path of [
      '/../package.json',
      '/../../../../etc/passwd',
      '/..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/public/../server.ts',
      '/app.js/../../server.ts',
      '/server.ts',
      '/index.html%00.js',
      '//etc/passwd',
      '/api/files/../../package.json',
      '/__proto__',
      '/hasOwnProperty',
    ]) {
      const answer = await send(port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(/"dependencies"|root:|startPlaygroundServer/);
    }
  });

  it('answers with its security headers: the page framed by no one and running only its own code, nothing sniffed', async () => {
    const { port } = await start('127.0.0.1');
    const refused = await send(port, '/', { headers: { host: 'evil.example', 'accept-language': 'ja' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toBe(`${t('ja', 'web.forbidden')}\n`);
    for (const answer of [
      await send(port, '/'),
      await send(port, '/app.js'),
      await send(port, '/api/info'),
      await send(port, '/api/nothing-here'),
      refused,
    ]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      const csp = String(answer.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      // No inline or evaluated script: a prompt shown on the page can never run as one.
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
  });

  it("gives the page its language's strings, with the duration words the countdown shares with replies", async () => {
    const { port } = await start('127.0.0.1');
    const info = JSON.parse(
      (await send(port, '/api/info', { headers: { 'accept-language': 'ru' } })).body,
    ) as {
      locale: string;
      strings: Record<string, string>;
      imageLimits: Record<string, number>;
      maxLineChars: number;
    };
    expect(info.locale).toBe('ru');
    expect(info.strings['web.eta']).toContain('{eta}');
    expect(info.strings['time.duration.minutes_few']).toBe('{count} минуты');
    expect(info.strings['time.duration.hours_many']).toBe('{count} часов');
    // The server's refusals of an image, for the composer to give before an upload: all but the image's size filled.
    const refusals = [
      'errors.input.too_large',
      'errors.engine.image_too_large',
      'errors.engine.image_too_small',
      'errors.engine.image_aspect',
    ];
    for (const key of refusals) expect(placeholders(info.strings[key] ?? ''), key).toEqual(['size']);
    expect(info.strings['errors.input.too_large']).toContain('1 МБ');
    // An empty file and one that is no image by its bytes, in the server's words.
    expect(info.strings['errors.engine.image_empty']).toBe(t('ru', 'errors.engine.image_empty'));
    expect(info.strings['errors.engine.image_unsupported']).toBe(t('ru', 'errors.engine.image_unsupported'));
    refusals.push('errors.engine.image_empty', 'errors.engine.image_unsupported');
    // For a page that cannot ask the server to write the file's size (/api/size): the limit alone.
    refusals.push('errors.input.too_large_unsized');
    expect(info.strings['errors.input.too_large_unsized']).toBe('Файл слишком большой (лимит 1 МБ).');
    expect(info.imageLimits).toEqual({
      maxBytes: 1024 * 1024,
      // The commands' limit (this suite's MAX_INPUT_PIXELS), not the engine's largest.
      maxPixels: 65536,
      minSide: 8,
      maxAspect: 8,
    });
    // The commands' refusal of a line longer than any they take, for an inline form to give before sending it.
    expect(info.maxLineChars).toBe(MAX_LINE_CHARS);
    expect(info.strings['errors.line_too_long']).toBe(
      t('ru', 'errors.line_too_long', { length: '{length}', limit: MAX_PROMPT_CHARS }),
    );
    expect(placeholders(info.strings['errors.line_too_long'] ?? '')).toEqual(['length']);
    refusals.push('errors.line_too_long');
    // The questions' labels, which an open answer form takes on when the language changes (its ask's `labelKey`).
    expect(info.strings['ask.remix.label']).toBe(t('ru', 'ask.remix.label'));
    expect(info.strings['ask.region.label']).toBe(t('ru', 'ask.region.label'));
    expect(
      Object.keys(info.strings).every(
        (k) => /^(web|time\.duration)\./.test(k) || /^ask\.\w+\.label$/.test(k) || refusals.includes(k),
      ),
    ).toBe(true);
  });

  it("gives the composer the commands in the page language and the flags, and suggests the asker's own options", async () => {
    const { port } = await start('127.0.0.1');
    const info = JSON.parse(
      (await send(port, '/api/info', { headers: { 'accept-language': 'de' } })).body,
    ) as {
      commands: Array<{ name: string; description: string }>;
      flags: string[];
    };
    // The registry's listed commands (definitions.test.ts pins that list), Telegram's /start and the chat
    // platforms' moderation (/block, /unblock: the playground has one user) left out.
    const names = info.commands.map((c) => c.name);
    expect(names).toEqual(
      COMMANDS.filter(
        (spec) => spec.listed !== false && !spec.aliasOf && (spec.platforms?.includes('web') ?? true),
      ).map((s) => s.name),
    );
    expect(names).toContain('prefer');
    expect(names).not.toContain('start');
    expect(names).not.toContain('block');
    expect(info.commands.find((c) => c.name === 'prefer')?.description).toMatch(/^Eigene Optionen/);
    expect(info.flags).toContain('--ar');
    const cookie = 'dimoo_uid=0b4c7a44-3c39-4d34-9d6c-2f5f1a7c0001';
    const suggest = async (typed: string, headers: Record<string, string> = { cookie }) =>
      JSON.parse(
        (await send(port, `/api/suggest?command=prefer&option=option&typed=${typed}`, { headers })).body,
      ).suggestions as Array<{ label: string; value: string }>;
    const saved = multipart('/prefer cine --ar 21:9 film grain');
    await send(port, '/api/messages', {
      method: 'POST',
      headers: { ...saved.headers, cookie },
      body: saved.body,
    });
    expect(await suggest('--ci')).toEqual([{ label: '--cine: --ar 21:9 film grain', value: 'cine' }]);
    // Another visitor has none.
    expect(await suggest('--ci', { cookie: 'dimoo_uid=0b4c7a44-3c39-4d34-9d6c-2f5f1a7c0002' })).toEqual([]);
    // An unknown command or option offers nothing.
    const none = await send(port, '/api/suggest?command=nope&option=x&typed=', { headers: { cookie } });
    expect(JSON.parse(none.body)).toEqual({ suggestions: [] });
  });

  it('refuses to bind beyond loopback without WEB_ACCESS_TOKEN', async () => {
    await expect(start('0.0.0.0')).rejects.toThrow(/WEB_ACCESS_TOKEN/);
  });

  it('off loopback, checks the token on every request: query sets a cookie, cookie and bearer pass', async () => {
    const token = 'correct-horse-battery';
    const { server, port } = await start('0.0.0.0', token);
    expect(server.url).not.toContain(token);
    expect((await send(port, '/')).status).toBe(401);
    expect((await send(port, '/api/info')).status).toBe(401);
    expect((await send(port, '/?token=correct-horse-batterx')).status).toBe(401);
    expect((await send(port, '/?token=short')).status).toBe(401);
    expect((await send(port, '/api/events', { headers: { cookie: 'dimoo_token=nope' } })).status).toBe(401);
    // Said in the browser's language, as the page would be.
    const german = await send(port, '/', { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(german.body).toBe(`${t('de', 'web.token_required')}\n`);

    const first = await send(port, `/?token=${token}`);
    expect(first.status).toBe(200);
    const cookies = ([] as string[]).concat(first.headers['set-cookie'] ?? []);
    const tokenCookie = cookies.find((c) => c.startsWith('dimoo_token='));
    expect(tokenCookie).toMatch(/HttpOnly/);
    const jar = cookies.map((c) => c.split(';')[0]).join('; ');
    expect((await send(port, '/api/info', { headers: { cookie: jar } })).status).toBe(200);
    expect((await send(port, '/api/info', { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
  });

  it('refuses an oversized upload with the localized message, sizes filled in', async () => {
    const { port } = await start('127.0.0.1');
    const { headers, body } = multipart('/describe', Buffer.alloc(1.5 * 1024 * 1024, 7));
    for (const locale of ['en', 'zh-CN'] as const) {
      const answer = await send(port, '/api/messages', {
        method: 'POST',
        headers: { ...headers, 'accept-language': locale },
        body,
      });
      // The rest of the body was left unread: the answer closes the connection.
      expect(answer.status).toBe(413);
      expect(answer.headers.connection).toBe('close');
      const line = (JSON.parse(answer.body) as { lines: string[] }).lines[0];
      expect(line).toBe(
        t(locale, 'errors.input.too_large', { sizeBytes: body.length, limitBytes: 1024 * 1024 }),
      );
      expect(line).toContain('1.5 MB');
      expect(line).not.toMatch(/[{}]/);
      // The image itself refused: the page puts back the line without it.
      expect(JSON.parse(answer.body)).toMatchObject({ refused: true, imageRefused: true });
    }
    expect(playground.jobs.queue.plannedOrder()).toHaveLength(0);
  });

  it('writes a size as its refusals do, for the page to refuse a file too large to upload in its words', async () => {
    const { port } = await start('127.0.0.1');
    const size = async (query: string, locale = 'en') => {
      const answer = await send(port, `/api/size${query}`, { headers: { 'accept-language': locale } });
      return { status: answer.status, size: (JSON.parse(answer.body) as { size?: string }).size };
    };
    const bytes = 1_468_006;
    for (const locale of ['en', 'de', 'fr'] as const) {
      const written = t(locale, 'errors.input.too_large', { sizeBytes: bytes, limitBytes: 1024 * 1024 });
      const { status, size: said } = await size(`?bytes=${bytes}`, locale);
      expect(status).toBe(200);
      expect(written).toContain(`(${said},`);
    }
    expect((await size(`?bytes=${bytes}`, 'de')).size).toBe('1,4 MB');
    for (const query of ['', '?bytes=', '?bytes=-1', '?bytes=1.5', '?bytes=1e9', `?bytes=${'9'.repeat(16)}`])
      expect((await size(query)).status, query).toBe(400);
  });

  it('answers a malformed button press with a localized 400 and an oversized one with a 413, not a crash', async () => {
    const { port } = await start('127.0.0.1');
    const cut = t('zh-CN', 'errors.prompt_too_long_cut', { length: MAX_LINE_CHARS, limit: MAX_PROMPT_CHARS });
    for (const [body, status, line] of [
      ['not json', 400, t('zh-CN', 'web.bad_request')],
      ['[1,2]', 400, t('zh-CN', 'web.bad_request')],
      [JSON.stringify({ id: 'x'.repeat(ACTION_BODY_BYTES) }), 413, cut],
    ] as const) {
      const answer = await send(port, '/api/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
        body: Buffer.from(body),
      });
      expect(answer.status).toBe(status);
      expect((JSON.parse(answer.body) as { lines: string[] }).lines).toEqual([line]);
    }
    expect((await send(port, '/')).status).toBe(200);
  });

  it('refuses a long answer to Remix in the commands’ words, and one past what it reads as cut short, each for its form', async () => {
    const { port } = await start('127.0.0.1');
    const userId = '0b5e7a1c-0000-4000-8000-0000000a5e4a';
    const { finished } = await finishedResults(
      playground.jobs.store,
      { platform: 'web', userId },
      'playground',
    );
    const jobId = finished(imagineRequest('a fox'), { input: false });
    const answer = async (line: string) => {
      const sent = await send(port, '/api/actions', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'accept-language': 'fr',
          cookie: `dimoo_uid=${userId}`,
        },
        body: Buffer.from(JSON.stringify({ id: `remix:${jobId}`, answer: line })),
      });
      return { status: sent.status, ...(JSON.parse(sent.body) as { lines: string[]; refused?: boolean }) };
    };
    // 16,800 bytes: once past the press's old limit. Each fox is one character, as every entry point counts it.
    expect(await answer('🦊'.repeat(4200))).toMatchObject({
      status: 200,
      lines: [t('fr', 'errors.prompt_too_long', { length: 4200, limit: MAX_PROMPT_CHARS })],
      refused: true,
    });
    expect(await answer('x'.repeat(20_000))).toMatchObject({
      status: 200,
      lines: [t('fr', 'errors.line_too_long', { length: 20_000, limit: MAX_PROMPT_CHARS })],
      refused: true,
    });
    // The longest line the commands take, every character written as long as JSON writes one, is still read.
    expect(await answer(`a${'\u0001'.repeat(MAX_LINE_CHARS - 1)}`)).toMatchObject({
      status: 200,
      refused: true,
    });
    expect(await answer('x'.repeat(ACTION_BODY_BYTES))).toMatchObject({
      status: 413,
      lines: [t('fr', 'errors.prompt_too_long_cut', { length: MAX_LINE_CHARS, limit: MAX_PROMPT_CHARS })],
      refused: true,
    });
    expect(playground.jobs.queue.plannedOrder()).toHaveLength(0);
  });

  it('refuses a button press over its limit as it passes it, without reading the rest, and closes', async () => {
    const { port } = await start('127.0.0.1');
    for (const announce of [true, false]) {
      const streamed = await streamBody(port, {
        path: '/api/actions',
        headers: { 'content-type': 'application/json', 'accept-language': 'fr' },
        head: Buffer.from('{"id":"'),
        fillerBytes: 64 * 1024 * 1024,
        filler: 0x78,
        tail: Buffer.from('"}'),
        announce,
      });
      const { status, headers, lines } = parseRaw(streamed.answer);
      expect(status, `announced: ${announce}`).toBe(413);
      expect(headers).toMatch(/^connection: close$/im);
      expect(lines).toEqual([
        t('fr', 'errors.prompt_too_long_cut', { length: MAX_LINE_CHARS, limit: MAX_PROMPT_CHARS }),
      ]);
      expect(streamed.endedByServer).toBe(true);
      expect(streamed.written).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it('sends an Edit answer to that job and anything else to the button handler', async () => {
    const { port } = await start('127.0.0.1');
    const press = async (body: unknown) => {
      const answer = await send(port, '/api/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(body)),
      });
      return (JSON.parse(answer.body) as { lines: string[] }).lines;
    };
    const gone = '00000000-0000-4000-8000-000000000000';
    expect(await press({ id: `edit:${gone}`, answer: 'make it blue' })).toEqual([
      t('en', 'errors.job.not_found'),
    ]);
    expect(await press({ id: 'edit:nope', answer: 'make it blue' })).toEqual([
      t('en', 'errors.button.unknown'),
    ]);
  });

  it('refuses an image over the pixel limit, a corrupt one and an animation, each with its localized message', async () => {
    const { port } = await start('127.0.0.1');
    const big = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(big.length).toBeLessThan(1024 * 1024);
    const tooMany = multipart('/describe', big);
    const answer = await send(port, '/api/messages', { method: 'POST', ...tooMany });
    const lines = (JSON.parse(answer.body) as { lines: string[] }).lines;
    const [prefix] = t('en', 'errors.engine.image_too_large').split('{size}');
    expect(lines[0]?.startsWith(prefix ?? '?')).toBe(true);
    expect(lines.join(' ')).not.toMatch(/[{}]/);
    expect(JSON.parse(answer.body)).toMatchObject({ refused: true, imageRefused: true });

    const corrupt = multipart('/describe', Buffer.from('not an image at all'));
    const zh = await send(port, '/api/messages', {
      method: 'POST',
      headers: { ...corrupt.headers, 'accept-language': 'zh-CN,zh;q=0.9' },
      body: corrupt.body,
    });
    const zhLine = (JSON.parse(zh.body) as { lines: string[] }).lines[0] ?? '';
    expect([
      t('zh-CN', 'errors.engine.image_invalid'),
      t('zh-CN', 'errors.engine.image_unsupported'),
    ]).toContain(zhLine);
    expect(zhLine).not.toMatch(/[{}]/);

    // An animation of more frames than the bot decodes: its own words, asking for a still image.
    const animated = multipart('/describe', await manyFrames(1500));
    const ko = await send(port, '/api/messages', {
      method: 'POST',
      headers: { ...animated.headers, 'accept-language': 'ko' },
      body: animated.body,
    });
    expect((JSON.parse(ko.body) as { lines: string[] }).lines).toEqual([
      t('ko', 'errors.engine.image_frames'),
    ]);
  });

  it('/queue hands over a lost answer with the response that lists it', async () => {
    const { port } = await start('127.0.0.1');
    const userId = '0b5e7a1c-0000-4000-8000-00000000a11c';
    const headers = { ...multipart('').headers, cookie: `dimoo_uid=${userId}` };
    const post = async (text: string) => {
      const answer = await send(port, '/api/messages', {
        method: 'POST',
        headers,
        body: multipart(text).body,
      });
      return (JSON.parse(answer.body) as { lines: string[] }).lines;
    };
    // A job of this user's (queued: the queue never runs here), copied as a finished answer that reached nobody.
    await post('/imagine a template fox');
    const { store } = playground.jobs;
    const owner = { platform: 'web' as const, userId };
    const [queued] = store.byStatus('queued').filter((job) => job.owner.userId === userId);
    expect(queued).toBeDefined();
    const text = 'a grey cat on a red sofa';
    const lost: Job = {
      ...(queued as Job),
      id: store.newId(),
      seq: store.nextSeq(),
      status: 'done',
      result: { text },
    };
    store.insert(lost);
    store.deliveries.markUndelivered(lost.id);
    const listed = await post('/queue');
    expect(listed).toContain(
      t('en', 'queue.undelivered', {
        id: lost.id.slice(0, 8),
        status: t('en', 'queue.undelivered_answer', { text }),
      }),
    );
    expect(store.deliveries.undeliveredOf(owner)).toEqual([]);
    expect((await post('/queue')).join('\n')).not.toContain(text);
  });

  it('the file of a lost image, fetched with its /queue button, delivers it with the response that carries it', async () => {
    const { port } = await start('127.0.0.1');
    const userId = '0b5e7a1c-0000-4000-8000-00000000f11e';
    const cookie = `dimoo_uid=${userId}`;
    await send(port, '/api/messages', {
      method: 'POST',
      headers: { ...multipart('').headers, cookie },
      body: multipart('/imagine a template fox').body,
    });
    const { store } = playground.jobs;
    const owner = { platform: 'web' as const, userId };
    const [queued] = store.byStatus('queued').filter((job) => job.owner.userId === userId);
    const lost: Job = {
      ...(queued as Job),
      id: store.newId(),
      seq: store.nextSeq(),
      status: 'done',
      result: { file: 'result.png' },
    };
    store.insert(lost);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a22' } })
      .png()
      .toBuffer();
    store.writeFile(lost.id, 'result.png', png);
    store.deliveries.markUndelivered(lost.id);
    const answer = await send(port, '/api/actions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: Buffer.from(JSON.stringify({ id: `original:${lost.id}` })),
    });
    expect(answer.status).toBe(200);
    const { images } = JSON.parse(answer.body) as { images: Array<{ filename: string }> };
    expect(images.map((image) => image.filename)).toEqual([`dimoo-${lost.id.slice(0, 8)}.png`]);
    expect(store.deliveries.undeliveredOf(owner)).toEqual([]);
  });

  it("a Delete takes the result off the user's other open pages too (their event stream says so)", async () => {
    const { port } = await start('127.0.0.1');
    const userId = '0b5e7a1c-0000-4000-8000-0000000de1e7';
    const cookie = `dimoo_uid=${userId}`;
    await send(port, '/api/messages', {
      method: 'POST',
      headers: { ...multipart('').headers, cookie },
      body: multipart('/imagine a fox shown in two tabs').body,
    });
    const { store } = playground.jobs;
    const [queued] = store.byStatus('queued').filter((job) => job.owner.userId === userId);
    const shown: Job = { ...(queued as Job), id: store.newId(), seq: store.nextSeq(), status: 'done' };
    store.insert(shown);
    // Another tab of the same user, listening.
    const events: unknown[] = [];
    const stream = request({ host: '127.0.0.1', port, path: '/api/events', headers: { cookie } });
    const opened = new Promise<void>((resolve) =>
      stream.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          for (const [, data] of text.matchAll(/^data: (.*)$/gm)) events.push(JSON.parse(data as string));
        });
        resolve();
      }),
    );
    stream.on('error', () => undefined);
    stream.end();
    await opened;
    try {
      const answer = await send(port, '/api/actions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: Buffer.from(JSON.stringify({ id: `delete:${shown.id}` })),
      });
      expect(JSON.parse(answer.body)).toMatchObject({ deleteSource: true, jobId: shown.id });
      await expect
        .poll(() => events)
        .toContainEqual(expect.objectContaining({ deleteSource: true, jobId: shown.id }));
    } finally {
      stream.destroy();
    }
  });
});
