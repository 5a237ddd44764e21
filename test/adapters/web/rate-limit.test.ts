// The per-minute limit on the playground: its one local user (loopback, no token) presses buttons in a row without
// being told to slow down; a shared playground (an access token) keeps the limit. Real HTTP, commands and queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { send } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundStack } from './playground-server.js';

const TOKEN = 'correct-horse-battery';

function imagine(prompt: string): { headers: Record<string, string>; body: Buffer } {
  const boundary = '----dimootest';
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n/imagine ${prompt}\r\n--${boundary}--\r\n`,
    ),
  };
}

describe('playground rate limit', () => {
  let playground: PlaygroundStack;

  beforeAll(() => {
    playground = openPlaygroundOnDouble('rate', { RATE_LIMIT_PER_MINUTE: '1', QUEUE_MAX_PER_USER: '20' });
  });
  afterAll(async () => {
    await playground.close();
  });

  /** Three /imagine lines from one browser (its cookie kept): the first line of each answer. */
  async function threeInARow(host: string, accessToken?: string): Promise<string[]> {
    const { port } = await playground.start({ host, accessToken });
    const auth: Record<string, string> = accessToken ? { authorization: `Bearer ${accessToken}` } : {};
    const page = await send(port, '/', { headers: auth });
    const cookie = ([] as string[])
      .concat(page.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    const lines: string[] = [];
    for (const prompt of ['a fox', 'a wolf', 'a bear']) {
      const { headers, body } = imagine(prompt);
      const answer = await send(port, '/api/messages', {
        method: 'POST',
        headers: { ...headers, ...auth, cookie },
        body,
      });
      lines.push((JSON.parse(answer.body) as { lines: string[] }).lines.join(' '));
    }
    return lines;
  }

  const limited = t('en', 'errors.rate_limited', { when: '' }).slice(0, 12);

  it('does not limit the one local user of a loopback playground without a token', async () => {
    const lines = await threeInARow('127.0.0.1');
    expect(lines.some((line) => line.startsWith(limited))).toBe(false);
    expect(lines.every((line) => line.startsWith('Queued:'))).toBe(true);
  });

  it('keeps the limit where the playground is shared: with an access token, or bound beyond loopback', async () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const lines = await threeInARow(host, TOKEN);
      expect(lines[0]?.startsWith('Queued:'), host).toBe(true);
      expect(
        lines.slice(1).every((line) => line.startsWith(limited)),
        host,
      ).toBe(true);
    }
  });
});
