// Node 20's recursive mkdir loops for ever where mkdir answers "no such file" under a folder that exists (/proc and
// other pseudo file systems). Every folder made for a path the user gave goes through one helper (engine/folders.ts)
// that throws instead: DATA_DIR at `npm start`, and the quantized-weights cache under HOME. Each runs as a process of
// its own with a timeout, so a hang is a killed child, not a stuck test worker.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTestCheckpoint } from '../engine/index.js';
import { runNode } from './node-child.js';

const run = (argv: string[], env: Record<string, string>) => runNode(argv, env, 'SIGKILL');

// A name of its own under /proc, which no process id takes.
const nowhere = `/proc/dimoo-no-folder-${process.pid}`;

describe.runIf(existsSync('/proc/self'))('a folder to make where mkdir answers "no such file"', () => {
  let model: string;
  beforeAll(() => {
    model = join(mkdtempSync(join(tmpdir(), 'dimoo-stuck-mkdir-')), 'model');
    makeTestCheckpoint({ out: model, preset: 'tiny', seed: 1 });
  });

  it('DATA_DIR there stops npm start with one line naming it, exit 1, one level down or more', async () => {
    for (const dataDir of [nowhere, join(nowhere, 'deeper')]) {
      const r = await run(['--import', 'tsx', 'src/main.ts'], {
        DATA_DIR: dataDir,
        MODEL_DIR: model,
        WEB_PORT: '1',
      });
      expect([dataDir, r.signal, r.code]).toEqual([dataDir, null, 1]);
      expect(r.err).toBe(
        `dimoo-bot could not start: DATA_DIR=${dataDir}: /proc takes no new folders (ENOENT: a system folder such as /proc): the bot keeps its job database and files there. Point DATA_DIR at a folder on an ordinary disk.\n`,
      );
    }
  }, 90_000);

  it('a quantized-weights cache there (HOME) is one line and exit 1', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dimoo-stuck-mkdir-')), 'fox.png');
    const r = await run(
      [
        'bin/dimoo.js',
        'imagine',
        '--model',
        model,
        '--prompt',
        'a fox',
        '--width',
        '64',
        '--height',
        '64',
      ].concat(['--steps', '2', '--quant', 'int8', '--out', out]),
      { HOME: nowhere },
    );
    expect([r.signal, r.code]).toEqual([null, 1]);
    expect(r.err).toBe(`dimoo imagine: ENOENT: no such file or directory, mkdir '${nowhere}'\n`);
    expect(existsSync(out)).toBe(false);
  }, 90_000);
});
