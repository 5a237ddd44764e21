// The CLI tests' set-up: `dimoo` run in-process (main() with captured output) on a tiny checkpoint generated once for
// the file, beside an input PNG of the size the file asks for.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { encodePng, makeTestCheckpoint } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

/**
 * At a file's top level: a folder `dimoo-<name>-…` holding `model` and `input`, both made before the file's tests
 * (the input `width`×`height`, its bytes `i * step % 256`). `cli` runs dimoo with that model on the CPU.
 */
export function cliOnTinyCheckpoint(name: string, image: { width: number; height: number; step: number }) {
  const dir = mkdtempSync(join(tmpdir(), `dimoo-${name}-`));
  const model = join(dir, 'model');
  const input = join(dir, 'in.png');
  beforeAll(async () => {
    makeTestCheckpoint({ out: model, preset: 'tiny', seed: 2 });
    const { width, height, step } = image;
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * step) % 256);
    writeFileSync(input, await encodePng({ width, height, data }));
  });
  const cli = async (...argv: string[]) => {
    const io = captureIo();
    const code = await main([...argv, '--model', model, '--device', 'cpu'], io);
    return { code, out: io.out(), err: io.err() };
  };
  return { dir, model, input, cli };
}

/** The arguments of `dimoo edit` adding "a hat" to `image` in 2 steps, then `flags`. */
export const editAHat = (image: string, ...flags: string[]): string[] => [
  'edit',
  '--image',
  image,
  '--type',
  'edit_add',
  '--prompt',
  'a hat',
  '--steps',
  '2',
  ...flags,
];
