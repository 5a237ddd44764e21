// DIMOO_DEBUG=1: an internal error (a bug, not a mistake in the input) is still one line, followed by its stack
// trace and its causes' for a bug report; a user's mistake stays one line either way.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCheckpoint } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-debug-'));
const model = join(dir, 'model');
const saved = process.env.DIMOO_DEBUG;

beforeAll(() => {
  makeTestCheckpoint({ out: model, preset: 'tiny', seed: 2 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  if (saved === undefined) delete process.env.DIMOO_DEBUG;
  else process.env.DIMOO_DEBUG = saved;
});

/** `dimoo check-model` whose stdout fails with an error no input explains: an internal one. */
async function brokenStdout() {
  const io = captureIo();
  io.stdout.write = () => {
    throw new Error('stdout broke', { cause: new Error('the disk went away') });
  };
  const code = await main(['check-model', '--model', model], io);
  return { code, err: io.err() };
}

describe('DIMOO_DEBUG', () => {
  it('unset, an internal error is one line', async () => {
    delete process.env.DIMOO_DEBUG;
    expect(await brokenStdout()).toEqual({ code: 1, err: 'dimoo check-model: stdout broke\n' });
  });

  it('=1 prints the stack and its causes after that line', async () => {
    process.env.DIMOO_DEBUG = '1';
    const { code, err } = await brokenStdout();
    const lines = err.split('\n');
    expect([code, lines[0], lines[1]]).toEqual([1, 'dimoo check-model: stdout broke', 'Error: stdout broke']);
    expect(lines[2]).toMatch(/^ {4}at .*cli-debug\.test\.ts/);
    expect(err).toMatch(/\nCaused by: Error: the disk went away\n {4}at /);
  });

  it('=1 leaves a mistake in the input one line', async () => {
    process.env.DIMOO_DEBUG = '1';
    const io = captureIo();
    const code = await main(['check-model', '--model', join(dir, 'no-such-model')], io);
    expect([code, io.err().split('\n').length]).toEqual([1, 2]);
    expect(io.err()).toMatch(/^dimoo check-model: .*no-such-model/);
  });

  it('is documented in the top-level help', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/DIMOO_DEBUG=1 to print the stack trace of an internal error/);
  });
});
