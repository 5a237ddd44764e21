// Where make-test-checkpoint writes: never over a folder it did not write (a real download, say) unless forced, and
// over an earlier generated checkpoint only after removing its weight files, so no stale shard outlives the rewrite.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { loadCheckpoint } from '../../../engine/checkpoint/load.js';
import { makeTestCheckpoint } from '../../../engine/testing/make-test-checkpoint.js';

const base = mkdtempSync(join(tmpdir(), 'dimoo-make-ckpt-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const weightFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.includes('.safetensors'))
    .sort();

describe('makeTestCheckpoint into an existing folder', () => {
  it('refuses a non-empty folder it did not write, and writes nothing there', () => {
    const download = join(base, 'Lumina-DiMOO');
    mkdirSync(download);
    writeFileSync(join(download, 'config.json'), JSON.stringify({ model_type: 'llada', d_model: 4096 }));
    writeFileSync(join(download, 'model-00001-of-00004.safetensors'), 'real weights');
    const refused = (() => {
      try {
        makeTestCheckpoint({ out: download, preset: 'tiny' });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(EngineError);
    expect((refused as EngineError).message).toContain(`${download} is not empty`);
    expect(readdirSync(download).sort()).toEqual(['config.json', 'model-00001-of-00004.safetensors']);
    // A file where the folder should be is refused too.
    writeFileSync(join(base, 'a-file'), 'x');
    expect(() => makeTestCheckpoint({ out: join(base, 'a-file'), preset: 'tiny' })).toThrow(/is a file/);
  });

  it('rewrites an earlier generated checkpoint without its old weights: no stale shard or layout wins', async () => {
    const dir = join(base, 'generated');
    makeTestCheckpoint({ out: dir, preset: 'tiny', shards: 3 });
    makeTestCheckpoint({ out: dir, preset: 'tiny', shards: 2, dtype: 'bf16' });
    expect(weightFiles(dir)).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
    // One file now: an index left behind would be harmless, but model.safetensors left behind would win over it.
    makeTestCheckpoint({ out: dir, preset: 'tiny', shards: 1, dtype: 'bf16' });
    expect(weightFiles(dir)).toEqual(['model.safetensors']);
    makeTestCheckpoint({ out: dir, preset: 'tiny', shards: 2 });
    expect(weightFiles(dir)).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
    expect((await loadCheckpoint(dir)).dtype).toBe('fp32');
    // DiMOO's own ids: the tiny preset's dimoo_layout.json must not survive to override them.
    makeTestCheckpoint({ out: dir, preset: 'dimoo-ids', dtype: 'bf16' });
    expect(existsSync(join(dir, 'dimoo_layout.json'))).toBe(false);
    expect((await loadCheckpoint(dir)).layout.mask).toBe(126336);
  });

  it('force writes into any folder, replacing its weight files and keeping the rest', async () => {
    const dir = join(base, 'forced');
    mkdirSync(join(dir, 'vqvae'), { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeFileSync(join(dir, 'model-00001-of-00009.safetensors'), 'stale');
    writeFileSync(join(dir, 'vqvae', 'diffusion_pytorch_model.fp16.safetensors'), 'stale');
    makeTestCheckpoint({ out: dir, preset: 'tiny', force: true });
    expect(weightFiles(dir)).toEqual(['model.safetensors']);
    expect(weightFiles(join(dir, 'vqvae'))).toEqual(['diffusion_pytorch_model.safetensors']);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    expect((await loadCheckpoint(dir)).weights.size).toBeGreaterThan(0);
  });
});

describe('makeTestCheckpoint shards', () => {
  /** The shard files written and, from the index, how many tensors each holds. */
  const shardsOf = (dir: string) => {
    const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as {
      weight_map: Record<string, string>;
    };
    const held = new Map<string, number>();
    for (const file of Object.values(index.weight_map)) held.set(file, (held.get(file) ?? 0) + 1);
    const files = weightFiles(dir).filter((f) => f.startsWith('model-'));
    return { files, held: files.map((f) => held.get(f) ?? 0) };
  };

  it('never writes an empty shard: at most one per tensor, the tensors spread evenly', async () => {
    // The tiny preset's transformer has 21 tensors: 20 shards of a ceiling share of 2 left nine of them empty.
    const twenty = join(base, 'twenty');
    expect(makeTestCheckpoint({ out: twenty, preset: 'tiny', shards: 20 }).shards).toBe(20);
    const even = shardsOf(twenty);
    expect(even.files).toHaveLength(20);
    expect(even.held.every((n) => n === 1 || n === 2)).toBe(true);
    // More shards than tensors: one per tensor, named "of 21".
    const many = join(base, 'many');
    expect(makeTestCheckpoint({ out: many, preset: 'tiny', shards: 64 }).shards).toBe(21);
    const capped = shardsOf(many);
    expect(capped.files).toHaveLength(21);
    expect(capped.files.at(-1)).toBe('model-00021-of-00021.safetensors');
    expect(capped.held.every((n) => n === 1)).toBe(true);
    // A safetensors file of no tensor is its 8-byte header length and "{}" padded: none of those either.
    expect(capped.files.every((f) => statSync(join(many, f)).size > 64)).toBe(true);
    expect((await loadCheckpoint(many)).weights.size).toBeGreaterThan(0);
  });
});
