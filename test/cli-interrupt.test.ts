// Ctrl-C in the middle of a generation: a real SIGINT to a real process, sent the moment its progress bar shows a
// step (stderr claims to be a terminal, so the bar is drawn), so the signal always lands while the model runs.
// The command must end with one line and exit 130, leaving no file it had not finished; batch keeps the images of
// the groups it finished, listed in results.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestCheckpoint } from '../engine/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-interrupt-'));
const model = join(dir, 'model');

beforeAll(() => {
  makeTestCheckpoint({ out: model, preset: 'tiny', seed: 2 });
});

/**
 * Runs `dimoo <argv>` from the sources in a child whose stderr is a terminal to the CLI; the child sends itself
 * SIGINT when a line of its bar matches `when`.
 */
function interruptWhen(when: RegExp, argv: string[]) {
  const script = `
    const { main } = await import(${JSON.stringify(join(root, 'src/cli/main.ts'))});
    let sent = false;
    const stderr = {
      isTTY: true,
      write(chunk) {
        process.stderr.write(chunk);
        if (!sent && ${when}.test(String(chunk))) {
          sent = true;
          process.kill(process.pid, 'SIGINT');
        }
        return true;
      },
    };
    process.exitCode = await main(${JSON.stringify(argv)}, { stdout: process.stdout, stderr });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    err += String(chunk);
  });
  return new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, out, err })),
  );
}

const engineFlags = ['--model', model, '--device', 'cpu', '--width', '256', '--height', '256'];

describe('Ctrl-C during a generation', { timeout: 60_000 }, () => {
  it('imagine stops at the next step: one line after the bar, exit 130, no file', async () => {
    const out = join(dir, 'fox.png');
    const r = await interruptWhen(/\] 1\/40/, [
      'imagine',
      ...engineFlags,
      '--prompt',
      'a fox',
      '--steps',
      '40',
      '--out',
      out,
    ]);
    expect([r.code, r.signal], r.err).toEqual([130, null]);
    // The bar's line is ended, so the message starts a line of its own.
    expect(r.err).toMatch(/ETA \d+ s/);
    expect(r.err.endsWith('\x1b[K\ndimoo imagine: interrupted (SIGINT); nothing was written\n')).toBe(true);
    expect(r.out).toBe('');
    expect(readdirSync(dir)).toEqual(['model']);
  });

  it('batch keeps the images it finished, listed in results.json, and says so', async () => {
    const prompts = join(dir, 'three.txt');
    writeFileSync(prompts, 'a cat\na dog\na bird\n');
    const outDir = join(dir, 'batch');
    const r = await interruptWhen(/1\/3 images, step 1\//, [
      'batch',
      ...engineFlags,
      '--prompts',
      prompts,
      '--steps',
      '20',
      '--batch-size',
      '1',
      '--out-dir',
      outDir,
    ]);
    expect([r.code, r.signal], r.err).toEqual([130, null]);
    expect(r.err).toMatch(
      /\ndimoo batch: interrupted \(SIGINT\); .*results\.json lists the 1 of 3 images written\n$/,
    );
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as {
      image_path: string;
    }[];
    expect(results).toHaveLength(1);
    expect(readdirSync(outDir).sort()).toEqual([results[0]?.image_path, 'results.json'].sort());
    expect(existsSync(join(outDir, results[0]?.image_path ?? ''))).toBe(true);
  });
});
