import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { loadCheckpoint } from '../../../engine/checkpoint/load.js';
import { readTensor } from '../../../engine/checkpoint/safetensors.js';
import { makeTestCheckpoint } from '../../../engine/testing/make-test-checkpoint.js';

let base: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'dimoo-ckpt-'));
  makeTestCheckpoint({ out: join(base, 'tiny'), preset: 'tiny', seed: 3, dtype: 'fp32' });
});

/** A fresh copy of the tiny checkpoint to break. */
function copy(): string {
  const dir = mkdtempSync(join(base, 'case-'));
  cpSync(join(base, 'tiny'), dir, { recursive: true });
  return dir;
}

async function failure(dir: string): Promise<EngineError> {
  try {
    await loadCheckpoint(dir);
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected the checkpoint to be refused');
}

describe('loading a checkpoint as published', () => {
  it.each([
    ['tiny', 'fp32', 1],
    ['tiny', 'bf16', 3],
  ] as const)('loads the %s preset (%s, %i shard(s))', async (preset, dtype, shards) => {
    const dir = join(base, `${preset}-${dtype}-${shards}`);
    makeTestCheckpoint({ out: dir, preset, dtype, shards });
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.dtype).toBe(dtype);
    expect(ckpt.weights.size).toBe(2 + ckpt.config.nLayers * 9 + 1);
    expect(ckpt.config.vocabSize).toBe(ckpt.layout.imageCodeOffset + ckpt.layout.codebookSize);
    expect(ckpt.vq.config.scaleFactor).toBe(16);
    const norm = readTensor(ckpt.weights.get('model.transformer.ln_f.weight')!);
    expect(Array.from(norm.slice(0, 3))).toEqual([1, 1, 1]);
  });

  it('reads DiMOO’s real ids and 134,548-wide head from the dimoo-ids preset', async () => {
    const dir = join(base, 'ids');
    makeTestCheckpoint({ out: dir, preset: 'dimoo-ids', dtype: 'bf16' });
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.config.vocabSize).toBe(134548);
    expect(ckpt.layout).toMatchObject({
      mask: 126336,
      newline: 126084,
      boi: 126349,
      eoi: 126350,
      boa: 126354,
      eoa: 126355,
    });
    expect(ckpt.tokenizer.tokenId('<uncondition>')).toBe(126351);
  });

  it('names the missing file', async () => {
    for (const file of ['config.json', 'tokenizer.json', 'model.safetensors', 'vqvae/config.json']) {
      const dir = copy();
      rmSync(join(dir, file));
      const error = await failure(dir);
      expect(error.code, file).toBe('checkpoint_missing');
      expect(error.message).toContain(file.replace('vqvae/', ''));
    }
    expect((await failure(join(base, 'nope'))).code).toBe('checkpoint_missing');
  });

  it('refuses a truncated safetensors file, naming it and the tensor', async () => {
    const dir = copy();
    const file = join(dir, 'model.safetensors');
    truncateSync(file, statSync(file).size - 100);
    const error = await failure(dir);
    expect(error.code).toBe('checkpoint_invalid');
    expect(error.message).toMatch(/model\.safetensors.*tensor .* (truncated|needs bytes)/);
  });

  it('refuses an inconsistent header', async () => {
    const dir = copy();
    const file = join(dir, 'model.safetensors');
    const bytes = readFileSync(file);
    const length = Number(bytes.readBigUInt64LE(0));
    const header = bytes
      .subarray(8, 8 + length)
      .toString('utf8')
      .replace('"shape":[64]', '"shape":[65]');
    bytes.write(header, 8, 'utf8');
    writeFileSync(file, bytes);
    const error = await failure(dir);
    expect(error.code).toBe('checkpoint_invalid');
    expect(error.message).toMatch(/model\.safetensors: tensor .* should have \d+ bytes/);
  });

  it('refuses an unknown config value, naming config.json and the key', async () => {
    const dir = copy();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, activation_type: 'gelu' }));
    const error = await failure(dir);
    expect(error.message).toMatch(/config\.json: activation_type must be "silu"/);
  });

  it('refuses a tensor whose shape disagrees with config.json', async () => {
    const dir = copy();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, mlp_hidden_size: 192 }));
    const error = await failure(dir);
    expect(error.code).toBe('checkpoint_invalid');
    expect(error.message).toMatch(/ff_proj\.weight has shape \[160,64\], config\.json implies \[192,64\]/);
  });

  it('refuses a bad token layout file', async () => {
    const dir = copy();
    const layout = JSON.parse(readFileSync(join(dir, 'dimoo_layout.json'), 'utf8'));
    writeFileSync(join(dir, 'dimoo_layout.json'), JSON.stringify({ ...layout, boi: layout.eoi }));
    expect((await failure(dir)).message).toMatch(/dimoo_layout\.json: (eoi|boi) and (boi|eoi) share id/);
    writeFileSync(
      join(dir, 'dimoo_layout.json'),
      JSON.stringify({ ...layout, imageCodeOffset: layout.vocabSize }),
    );
    expect((await failure(dir)).message).toMatch(/dimoo_layout\.json: image codes end at/);
    writeFileSync(join(dir, 'dimoo_layout.json'), '{ nope');
    expect((await failure(dir)).message).toMatch(/dimoo_layout\.json: is not valid JSON/);
  });
});
