import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { makeTestCheckpoint, PRESETS, type Preset } from '../../engine/index.js';
import { intOption, oneOf, parse } from './args.js';
import { type CliCommand, UsageError } from './command.js';
import { switchFlag, valueFlag } from './flag-help.js';
import { checkOutFolder } from './preflight.js';

/**
 * Most `--shards`: each shard is a file, and a typo of 99999 wrote as many. Beyond the transformer's tensors (21 in
 * the tiny preset) the engine writes one shard per tensor, and the line says so.
 */
const MAX_SHARDS = 64;

const FLAGS = {
  out: valueFlag(
    'DIR',
    'the folder to write; one that holds files is refused unless an earlier make-test-checkpoint wrote it (its old ' +
      'weights are then replaced) (default: ./dimoo-test-checkpoint-<preset>)',
  ),
  preset: valueFlag(
    PRESETS.join('|'),
    "the checkpoint's shape: tiny for fast tests, small for meaningful timings, dimoo-ids with DiMOO's real " +
      "special-token ids, 8b with the published model's sizes (default tiny)",
  ),
  seed: valueFlag('N', 'the seed of the random weights (default 1)'),
  dtype: valueFlag('bf16|fp32', "the weights' type (default bf16)"),
  shards: valueFlag(
    'N',
    `weight files, 1 to ${MAX_SHARDS}, at most one per transformer tensor (the tiny preset has 21) (default 1; 8b: 8)`,
  ),
  force: switchFlag('write into any folder, deleting its .safetensors files first (default: off)'),
} as const;

export const command: CliCommand = {
  usage:
    'dimoo make-test-checkpoint [--out DIR] [--preset tiny|small|dimoo-ids|8b] [--seed N] [--dtype bf16|fp32] [--shards N] [--force]',
  flags: FLAGS,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const preset = oneOf<Preset>('preset', o.preset ?? 'tiny', PRESETS);
    const dtype = oneOf('dtype', o.dtype ?? 'bf16', ['bf16', 'fp32'] as const);
    const shards = o.shards === undefined ? undefined : intOption('shards', o.shards);
    if (shards !== undefined && !(shards >= 1 && shards <= MAX_SHARDS))
      throw new UsageError(`--shards must be a whole number from 1 to ${MAX_SHARDS}, got ${shards}`);
    const out = resolve(o.out ?? `dimoo-test-checkpoint-${preset}`);
    // A folder to make, or one to write into, must take files first: where mkdir answers "no such file" under a
    // folder that exists (/proc), the engine's recursive mkdir never returned. A file in the way is the engine's line.
    if (!statSync(out, { throwIfNoEntry: false })?.isFile()) checkOutFolder('out', o.out ?? out);
    const started = performance.now();
    const written = makeTestCheckpoint({
      out,
      preset,
      seed: intOption('seed', o.seed, 1),
      dtype,
      shards,
      force: o.force === true,
    });
    const { dir } = written;
    // Asked for more shards than there are tensors: one per tensor, none empty.
    const capped =
      shards !== undefined && written.shards < shards
        ? ` in ${written.shards} shards (one per transformer tensor; --shards ${shards} asked for more)`
        : '';
    io.stderr.write(
      `wrote a random ${preset} checkpoint (${dtype}) to ${dir}${capped} in ${Math.round(performance.now() - started)} ms\n` +
        `try it: npx dimoo imagine --model ${dir} --prompt "a red fox" --out fox.png\n`,
    );
    return 0;
  },
};
