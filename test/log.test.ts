import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

const TOKEN = 'MTIzNDU2Nzg5.secret-token-value';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level: 'debug', pretty: false, secrets: [TOKEN], destination });
  return { log, output: () => lines.join('') };
}

describe('logger redaction', () => {
  it('scrubs a registered secret from message strings and printf arguments', () => {
    const { log, output } = capture();
    log.info(`connecting with ${TOKEN}`);
    log.info('token is %s', TOKEN);
    expect(output()).not.toContain(TOKEN);
    expect(output()).toContain('[redacted]');
  });

  it('redacts fields named like secrets and nested values', () => {
    const { log, output } = capture();
    log.info(
      { token: 'abcdefghijk', headers: { authorization: 'Bot xyzxyzxyz' }, nested: { deep: [TOKEN] } },
      'x',
    );
    const text = output();
    expect(text).not.toContain('abcdefghijk');
    expect(text).not.toContain('xyzxyzxyz');
    expect(text).not.toContain(TOKEN);
  });

  it('scrubs secrets inside errors', () => {
    const { log, output } = capture();
    log.error({ err: new Error(`401 for ${TOKEN}`) }, 'request failed');
    expect(output()).toContain('401 for [redacted]');
    expect(output()).not.toContain(TOKEN);
  });

  it('keeps ordinary fields', () => {
    const { log, output } = capture();
    log.info({ jobId: 'j1', user: 'u' }, 'queued');
    expect(JSON.parse(output())).toMatchObject({ jobId: 'j1', user: 'u', msg: 'queued' });
  });
});
