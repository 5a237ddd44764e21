import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger, telegramTokensIn } from '../src/log.js';

const SECRET = 'MTIzNDU2Nzg5.discord-token-value';
const OTHER = '987654:telegram-token-value-abcdef';

/** A logger writing JSON lines into an array, with SECRET and OTHER registered. */
function capture(level = 'trace'): { log: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  const log = createLogger({
    level,
    pretty: false,
    secrets: [SECRET, OTHER, undefined, 'abc'],
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { log, lines, text: () => lines.join('') };
}

function entries(lines: string[]): Array<Record<string, unknown>> {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('secret redaction', () => {
  it('scrubs a registered secret from the message string and printf arguments', () => {
    const { log, lines, text } = capture();
    log.info(`connecting with ${SECRET}`);
    log.warn('token is %s and %s', SECRET, OTHER);
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain(OTHER);
    expect(entries(lines).map((e) => e.msg)).toEqual([
      'connecting with [redacted]',
      'token is [redacted] and [redacted]',
    ]);
  });

  it('redacts fields named like secrets whatever their value, at any depth', () => {
    const { log, lines, text } = capture();
    log.info(
      {
        token: 'unregistered-value-1',
        Authorization: 'Bot unregistered-value-2',
        request: { headers: { authorization: 'Bearer unregistered-value-3', accept: 'json' } },
        discord: { bot_token: 'unregistered-value-4', webhookSecret: 'unregistered-value-5' },
        list: [{ access_token: 'unregistered-value-6' }],
      },
      'request',
    );
    expect(text()).not.toMatch(/unregistered-value/);
    const [entry] = entries(lines);
    expect(entry).toMatchObject({
      token: '[redacted]',
      Authorization: '[redacted]',
      request: { headers: { authorization: '[redacted]', accept: 'json' } },
      discord: { bot_token: '[redacted]', webhookSecret: '[redacted]' },
      list: [{ access_token: '[redacted]' }],
    });
  });

  it('scrubs a registered secret inside an innocent field, nested', () => {
    const { log, text } = capture();
    log.debug(
      { call: { url: `https://api.telegram.org/bot${OTHER}/getMe`, attempts: [SECRET] } },
      'api call',
    );
    expect(text()).not.toContain(OTHER);
    expect(text()).not.toContain(SECRET);
    expect(text()).toContain('https://api.telegram.org/bot[redacted]/getMe');
  });

  it('scrubs a secret from an Error message and stack, passed as err or directly', () => {
    const { log, lines, text } = capture();
    log.error({ err: new Error(`login failed for ${SECRET}`) }, 'discord login');
    log.error(new Error(`401 with ${OTHER}`));
    log.error(new Error('outer', { cause: new Error(`inner ${SECRET}`) }), 'nested cause');
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain(OTHER);
    const [withErr, direct, nested] = entries(lines);
    expect(withErr).toMatchObject({
      msg: 'discord login',
      err: { type: 'Error', message: 'login failed for [redacted]' },
    });
    // pino still treats it as an error: message as msg, the error under err, the cause chain kept (scrubbed).
    expect(direct).toMatchObject({ msg: '401 with [redacted]', err: { type: 'Error' } });
    expect(nested).toMatchObject({ msg: 'nested cause', err: { message: 'outer: inner [redacted]' } });
  });

  it('keeps an error subclass name and its own fields, scrubbing them too', () => {
    class TestOnlyPlatformError extends Error {
      override name = 'TestOnlyPlatformError';
      constructor(
        message: string,
        readonly status: number,
        readonly requestBody: unknown,
      ) {
        super(message);
      }
    }
    const { log, lines, text } = capture();
    log.warn({
      err: new TestOnlyPlatformError('rejected', 401, {
        auth: { botToken: 'x-unregistered-9' },
        url: SECRET,
      }),
    });
    expect(text()).not.toContain(SECRET);
    expect(text()).not.toContain('x-unregistered-9');
    expect(entries(lines)[0]).toMatchObject({
      err: { type: 'TestOnlyPlatformError', status: 401, requestBody: { auth: { botToken: '[redacted]' } } },
    });
  });

  it('survives cyclic objects and cuts them off instead of passing them unscrubbed', () => {
    const { log, lines } = capture();
    const cyclic: Record<string, unknown> = { name: 'job' };
    cyclic.self = cyclic;
    log.info({ cyclic }, 'cycle');
    expect(lines[0]).toContain('[too deep]');
  });

  it('writes binary data (an upload in a failed request) as its size, not byte by byte', () => {
    const { log, lines } = capture();
    const error = Object.assign(new Error('upload failed'), {
      requestBody: { files: [{ name: 'result.png', data: Buffer.alloc(200_000, 7) }] },
      response: new Uint8Array(1000).buffer,
    });
    log.warn({ err: error }, 'ending not posted');
    expect(lines[0]?.length).toBeLessThan(2000);
    expect(lines[0]).toContain('[200000 bytes]');
    expect(lines[0]).toContain('[1000 bytes]');
  });

  it('scrubs secrets in child logger bindings, grandchildren too', () => {
    const { log, lines, text } = capture();
    const child = log.child({
      adapter: 'telegram',
      token: 'unregistered-binding',
      url: `https://x/${SECRET}`,
    });
    child.info('ready');
    child.child({ chat: 42, authorization: 'Bearer unregistered-binding' }).info('grandchild');
    expect(text()).not.toContain('unregistered-binding');
    expect(text()).not.toContain(SECRET);
    expect(entries(lines)).toEqual([
      expect.objectContaining({
        adapter: 'telegram',
        token: '[redacted]',
        url: 'https://x/[redacted]',
        msg: 'ready',
      }),
      expect.objectContaining({
        adapter: 'telegram',
        chat: 42,
        authorization: '[redacted]',
        msg: 'grandchild',
      }),
    ]);
  });

  it('scrubs interaction-webhook tokens and Telegram bot tokens inside URLs, registered or not', () => {
    const { log, text } = capture();
    const interactionToken = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDpRWHJzZUZ6dGVzdA';
    const botToken = '7654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const discordError = Object.assign(new Error('Unknown Webhook'), {
      url: `https://discord.com/api/v10/webhooks/1578386743789486081/${interactionToken}/messages/@original`,
      method: 'PATCH',
    });
    log.warn({ err: discordError }, 'discord update failed');
    // discord.js's DiscordAPIError for a late or doubled acknowledgement (10062, 40060) names the callback URL.
    const callbackError = Object.assign(new Error('Unknown interaction'), {
      url: `https://discord.com/api/v10/interactions/1578386743789486082/${interactionToken}/callback`,
    });
    log.warn({ err: callbackError }, 'discord reply failed');
    log.warn(`download failed: https://api.telegram.org/file/bot${botToken}/photos/file_1.jpg`);
    log.warn({ err: new Error(`request to https://api.telegram.org/bot${botToken}/getFile failed`) }, 'x');
    expect(text()).not.toContain(interactionToken);
    expect(text()).not.toContain(botToken);
    expect(text()).toContain('/webhooks/1578386743789486081/[redacted]/messages/@original');
    expect(text()).toContain('/interactions/1578386743789486082/[redacted]/callback');
    expect(text()).toContain('/file/bot[redacted]/photos/file_1.jpg');
    expect(text()).toContain('/bot[redacted]/getFile');
  });

  it("scrubs a registered Discord token's secret part alone, and keeps its public parts", () => {
    const token = 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhJkLm.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab';
    const lines: string[] = [];
    const log = createLogger({
      pretty: false,
      secrets: [token],
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.warn('signature AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab refused for bot MTA5ODc2NTQzMjEwOTg3NjU0Mw');
    expect(lines.join('')).toContain('signature [redacted] refused for bot MTA5ODc2NTQzMjEwOTg3NjU0Mw');
  });

  it("scrubs a registered Telegram token URL-encoded and its secret part alone, and any token's shape", () => {
    // As @BotFather issues them: the bot's id, ':', 35 of [A-Za-z0-9_-].
    const token = '6543210987:AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456';
    const secret = 'AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456';
    const other = '1234567:AAGz-9_yXwVuTsRqPoNmLkJiHgFeDcBa987';
    const lines: string[] = [];
    const log = createLogger({
      pretty: false,
      secrets: [token],
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.warn({
      err: new Error(`request to https://api.telegram.org/bot${encodeURIComponent(token)}/getMe failed`),
    });
    log.warn(
      { url: `https://api.telegram.org/bot${token.split(':')[0]}:${secret}/getUpdates` },
      'poll failed',
    );
    log.warn(`a proxy refused the path /${secret}/getMe`);
    log.warn(`another bot's token ${other} and ${other.replace(':', '%3A')} in a message`);
    const text = lines.join('');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(other.split(':')[1]);
    expect(text).toContain('/bot[redacted]/getMe');
    expect(text).toContain('proxy refused the path /[redacted]/getMe');
    expect(text).toContain("another bot's token [redacted] and [redacted] in a message");
  });

  it("scrubs a Telegram token's head behind /bot<id>: where a message was cut short inside it", () => {
    const token = '6543210987:AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456';
    const { log, text } = capture();
    log.warn({ err: new Error(`request to https://api.telegram.org/bot${token.slice(0, 36)}… failed`) });
    log.warn(
      'download failed: https://api.telegram.org/file/bot1234567:AAGz-9_yXwVuTsRqPoNmLkJi/photos/x.jpg',
    );
    expect(text()).not.toContain(token.slice(11, 19));
    expect(text()).not.toContain('AAGz-9_y');
    expect(text()).toContain('api.telegram.org/bot[redacted]… failed');
    expect(text()).toContain('api.telegram.org/file/bot[redacted]/photos/x.jpg');
  });

  it("leaves a longer run than a token's secret after digits and ':' (a UUID), and scrubs a token in a URL", () => {
    const { log, text } = capture();
    log.info('job 1733600000:550e8400-e29b-41d4-a716-446655440000 done');
    log.warn('proxy path /1234567:AAGz-9_yXwVuTsRqPoNmLkJiHgFeDcBa987/getMe refused');
    expect(text()).toContain('job 1733600000:550e8400-e29b-41d4-a716-446655440000 done');
    expect(text()).toContain('proxy path /[redacted]/getMe refused');
  });

  it('scrubs a line of 200,000 digits in linear time, not quadratic (minutes)', async () => {
    // In a child, so that a quadratic scan is cut off by the time limit instead of stalling the test runner: linear, it
    // takes milliseconds; quadratic, 100,000 digits took half a minute and 200,000 take about four times as long.
    const script = [
      "import { createLogger } from './src/log.ts';",
      'let written = 0;',
      'const log = createLogger({ pretty: false, destination: { write: (l) => { written += l.length; } } });',
      "log.warn('1'.repeat(200_000));",
      'console.log(written > 200_000 ? "scrubbed" : "lost");',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 20_000,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, out: out.trim() }).toEqual({ code: 0, signal: null, out: 'scrubbed' });
  }, 30_000);

  it("scrubs a registered Telegram token's secret part alone, whatever its length", () => {
    const token = '6543210987:AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456789abcd';
    const lines: string[] = [];
    const log = createLogger({
      pretty: false,
      secrets: [token],
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.warn(`a proxy refused the path /${token.split(':')[1]}/getMe`);
    expect(lines.join('')).toContain('a proxy refused the path /[redacted]/getMe');
  });

  it('finds the same Telegram tokens however often it is asked: no search state is kept between calls', () => {
    const line =
      'bot 1234567:AAGz-9_yXwVuTsRqPoNmLkJiHgFeDcBa987 and 7654321%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const found = [
      '1234567:AAGz-9_yXwVuTsRqPoNmLkJiHgFeDcBa987',
      '7654321%3AAAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw',
    ];
    expect(telegramTokensIn(line)).toEqual(found);
    expect(telegramTokensIn(line)).toEqual(found);
    expect(telegramTokensIn(found[0] ?? '')).toEqual([found[0]]);
    expect(telegramTokensIn(found[0] ?? '')).toEqual([found[0]]);
    const { log, lines } = capture();
    log.info(line);
    log.info(line);
    expect(entries(lines).map((entry) => entry.msg)).toEqual([
      'bot [redacted] and [redacted]',
      'bot [redacted] and [redacted]',
    ]);
  });

  it('scrubs a short registered value from a refused AUTH command, as ioredis reports it', () => {
    const { log, lines } = capture();
    // ioredis puts the failed command on its ReplyError; pino's err serializer keeps it under err.command.
    const refused = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      command: { name: 'hello', args: ['3', 'AUTH', 'default', 'abc'] },
    });
    log.error({ err: refused }, 'abc; ABC; a b c');
    log.error({ err: { command: { name: 'auth', args: ['abc'] } } }, 'auth');
    const [hello, auth] = entries(lines);
    expect(hello).toMatchObject({
      msg: 'abc; ABC; a b c',
      err: { command: { name: 'hello', args: ['3', 'AUTH', 'default', '[redacted]'] } },
    });
    expect(auth).toMatchObject({ err: { command: { name: 'auth', args: ['[redacted]'] } } });
  });

  it('scrubs a short password only where it stands as a credential, leaving the words it spells', () => {
    const lines: string[] = [];
    const log = createLogger({
      pretty: false,
      // QUEUE_URL=redis://:redis@redis:6379, the usual Docker set-up, with a percent-escaped variant as well.
      secrets: ['redis', 'p%40s', 'p@s'],
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.info('connecting to redis at redis:6379');
    log.error({ err: { command: { name: 'auth', args: ['default', 'redis'] } } }, 'refused');
    log.warn('queue at redis://:redis@redis:6379 and rediss://default:p%40s@10.0.0.1:6380/0');
    log.warn({ url: 'redis://redis:6379/0?db=0&password=redis', pass: 'p@s', pwd: 'redis' }, 'query');
    const text = lines.join('');
    expect(text).not.toMatch(/:redis@|p%40s|p@s|password=redis/);
    const [plain, auth, url, query] = entries(lines);
    expect(plain?.msg).toBe('connecting to redis at redis:6379');
    expect(auth).toMatchObject({ err: { command: { args: ['default', '[redacted]'] } } });
    expect(url?.msg).toBe(
      'queue at redis://:[redacted]@redis:6379 and rediss://default:[redacted]@10.0.0.1:6380/0',
    );
    expect(query).toMatchObject({
      url: 'redis://redis:6379/0?db=0&password=[redacted]',
      pass: '[redacted]',
      pwd: '[redacted]',
    });
  });

  it('replaces every long secret in one pass: one never rewrites the marks left by another', () => {
    const lines: string[] = [];
    const log = createLogger({
      pretty: false,
      secrets: ['redacted', 'password-1'],
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.info('password-1 then redacted');
    expect(entries(lines)[0]?.msg).toBe('[redacted] then [redacted]');
  });

  it('replaces a secret that holds another whole, whatever order they were registered in', () => {
    const lines: string[] = [];
    const log = createLogger({
      pretty: false,
      // 'abcdefghijk' starts with 'abcdefgh': an alternation tried shortest first would match that there.
      secrets: ['abcdefgh', 'xabcdefghijk', 'abcdefghijk', 'a.cdefgh'],
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.info('key=xabcdefghijk; prefix=abcdefghijk; short=abcdefgh; dot=a.cdefgh; not=axcdefgh');
    expect(entries(lines)[0]?.msg).toBe(
      'key=[redacted]; prefix=[redacted]; short=[redacted]; dot=[redacted]; not=axcdefgh',
    );
  });

  it('honours the level', () => {
    const { log, lines } = capture('warn');
    log.info('quiet');
    log.warn('loud');
    expect(entries(lines).map((e) => e.msg)).toEqual(['loud']);
  });
});
