// A disk that fills up while the CLI writes its output. node:fs is replaced for this file only: a write under the
// `full/` folder stores the first half of its bytes and throws ENOSPC, as writeFileSync does when space runs out
// mid-file (test/doubles/full-disk-store.ts does the same for the job store). The output must be whole or absent:
// no half PNG or text file, no temporary file left beside it, an earlier file kept as it was, and one line. Under
// `late/` the disk fills only after `lateWrites.left` whole files: outputs that belong together (a grid and its
// images, a batch group and its results.json) must then be left none of them, not some.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { encodePng, makeTestCheckpoint } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { describeBriefly, imagineAFox } from './cli/task-args.js';
import { captureIo } from './doubles/cli-io.js';

const lateWrites = vi.hoisted(() => ({ left: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeFileSync: typeof real.writeFileSync = (file, data, options) => {
    const late = String(file).includes(`${sep}late${sep}`);
    const fits = late ? lateWrites.left-- > 0 : !String(file).includes(`${sep}full${sep}`);
    if (fits) return real.writeFileSync(file, data, options);
    const half =
      typeof data === 'string'
        ? data.slice(0, data.length >> 1)
        : (data as Uint8Array).subarray(0, (data as Uint8Array).length >> 1);
    real.writeFileSync(file, half);
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(file)}'`), {
      code: 'ENOSPC',
    });
  };
  return { ...real, default: { ...real, writeFileSync }, writeFileSync };
});

const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-full-disk-'));
const model = join(dir, 'model');
const full = join(dir, 'full');
const late = join(dir, 'late');
const input = join(dir, 'in.png');

beforeAll(async () => {
  makeTestCheckpoint({ out: model, preset: 'tiny', seed: 2 });
  mkdirSync(full);
  mkdirSync(late);
  const data = new Uint8Array(32 * 32 * 3).map((_, i) => (i * 9) % 256);
  writeFileSync(input, await encodePng({ width: 32, height: 32, data }));
});

const cli = async (...argv: string[]) => {
  const io = captureIo();
  const code = await main([...argv, '--model', model, '--device', 'cpu', '--steps', '2'], io);
  return { code, err: io.err() };
};

describe('a disk that fills up while the output is written', () => {
  it('imagine: no half PNG, an earlier one kept whole, one line, exit 1', async () => {
    const out = join(full, 'fox.png');
    let r = await cli(...imagineAFox(32), '--out', out);
    expect([r.code, r.err]).toEqual([
      1,
      `dimoo imagine: cannot write --out ${out}: no space left on the device\n`,
    ]);
    expect(readdirSync(full)).toEqual([]);
    // A file from an earlier run stays as it was.
    const earlier = readFileSync(input);
    const kept = join(full, 'kept.png');
    copyFileSync(input, kept);
    r = await cli(...imagineAFox(32), '--out', kept);
    expect(r.code).toBe(1);
    expect(readFileSync(kept)).toEqual(earlier);
    expect(readdirSync(full)).toEqual(['kept.png']);
  });

  it('describe --out: no half answer file', async () => {
    const out = join(full, 'answer.txt');
    const r = await cli(...describeBriefly(input), '--out', out);
    expect([r.code, r.err]).toEqual([
      1,
      `dimoo describe: cannot write --out ${out}: no space left on the device\n`,
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('imagine --count 2: the disk full at the second image leaves neither the grid nor the first image', async () => {
    const out = join(late, 'grid.png');
    const kept = join(late, 'grid-1.png');
    copyFileSync(input, kept);
    lateWrites.left = 2;
    const r = await cli(...imagineAFox(32), '--count', '2', '--out', out);
    expect([r.code, r.err]).toEqual([
      1,
      `dimoo imagine: cannot write --out ${join(late, 'grid-2.png')}: no space left on the device\n`,
    ]);
    // The earlier grid-1.png stays as it was, and nothing of this run is there.
    expect(readdirSync(late)).toEqual(['grid-1.png']);
    expect(readFileSync(kept)).toEqual(readFileSync(input));
  });

  it('batch: the disk full within a group leaves no image that results.json does not list', async () => {
    const prompts = join(dir, 'two.txt');
    writeFileSync(prompts, 'a cat\na dog\n');
    const outDir = join(late, 'batch');
    lateWrites.left = 1;
    const r = await cli(
      'batch',
      '--prompts',
      prompts,
      '--width',
      '32',
      '--height',
      '32',
      '--batch-size',
      '2',
      '--out-dir',
      outDir,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^dimoo batch: cannot write --out-dir .*1_a_dog_.*\.png: no space left on the device\n$/,
    );
    expect(readdirSync(outDir)).toEqual([]);
  });
});
