import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildVqDecoder, buildVqEncoder } from '../../../engine/graphs/vq.js';
import { externalDataOptions } from '../../../engine/runtime/external-data.js';
import { TINY_VQ, writeRandomVq } from '../../doubles/random-vq.js';
import { naiveDecode, naiveEncode } from '../../reference/naive-vq.js';

function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += ((a[i] as number) - (b[i] as number)) ** 2;
    norm += (b[i] as number) ** 2;
  }
  return Math.sqrt(diff / Math.max(norm, 1e-30));
}

function testImage(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + ((i / 3) | 0) * 11) % 256;
  return rgb;
}

describe('VQ graphs agree with a naive float64 diffusers VQModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-vq-'));
  const weights = writeRandomVq(dir, TINY_VQ, 7);
  let encoder: ort.InferenceSession;
  let decoder: ort.InferenceSession;

  beforeAll(async () => {
    encoder = await ort.InferenceSession.create(buildVqEncoder(TINY_VQ, weights), externalDataOptions(dir));
    decoder = await ort.InferenceSession.create(
      buildVqDecoder(TINY_VQ, weights, { floatOutput: true }),
      externalDataOptions(dir),
    );
  });

  it.each([
    [32, 32],
    [48, 32],
  ])('encodes a %i×%i image to the same latents and codes', async (width, height) => {
    const rgb = testImage(width, height);
    const out = await encoder.run({ pixels: new ort.Tensor('uint8', rgb, [1, height, width, 3]) });
    const reference = naiveEncode(TINY_VQ, weights.tensors, rgb, width, height);
    expect(out.latents?.dims).toEqual([1, 4, height / 16, width / 16]);
    expect(relativeError(out.latents?.data as Float32Array, reference.latents.d)).toBeLessThan(1e-4);
    expect(Array.from(out.indices?.data as BigInt64Array, Number)).toEqual(reference.indices);
  });

  it.each([
    [2, 2],
    [2, 3],
  ])('decodes a %i×%i code grid to the same image', async (rows, cols) => {
    const indices = Array.from({ length: rows * cols }, (_, i) => (i * 5 + 3) % TINY_VQ.num_vq_embeddings);
    const out = await decoder.run({
      indices: new ort.Tensor('int64', BigInt64Array.from(indices.map(BigInt)), [1, rows, cols]),
    });
    const reference = naiveDecode(TINY_VQ, weights.tensors, indices, rows, cols);
    expect(out.image?.dims).toEqual([1, 3, rows * 16, cols * 16]);
    expect(relativeError(out.image?.data as Float32Array, reference.d)).toBeLessThan(1e-4);
    const pixels = out.pixels?.data as Uint8Array;
    expect(out.pixels?.dims).toEqual([1, rows * 16, cols * 16, 3]);
    // HWC bytes are round(x·255) of the CHW float image.
    const plane = rows * 16 * cols * 16;
    for (const cell of [0, 17, plane - 1]) {
      for (let c = 0; c < 3; c++) {
        const expected = Math.round((reference.d[c * plane + cell] as number) * 255);
        expect(Math.abs((pixels[cell * 3 + c] as number) - expected)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('refuses a configuration it does not implement, naming the file and key', () => {
    expect(() => buildVqDecoder({ ...TINY_VQ, norm_type: 'spatial' }, weights)).toThrow(
      /vqvae\/config.json.*norm_type/,
    );
    expect(() => buildVqEncoder({ ...TINY_VQ, mid_block_add_attention: true }, weights)).toThrow(
      /mid_block_add_attention/,
    );
  });
});

describe('VqCodec', () => {
  it('round-trips shapes and decodes a code grid back to the encoder’s codes’ image size', async () => {
    const { VqCodec } = await import('../../../engine/runtime/vq-codec.js');
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-vq-'));
    const weights = writeRandomVq(dir, TINY_VQ, 3);
    const codec = await VqCodec.create(TINY_VQ, weights, (model) =>
      ort.InferenceSession.create(model, externalDataOptions(dir)),
    );
    const grid = await codec.encode({ width: 48, height: 32, data: testImage(48, 32) });
    expect([grid.rows, grid.cols, grid.indices.length]).toEqual([2, 3, 6]);
    const image = await codec.decode(grid);
    expect([image.width, image.height, image.data.length]).toEqual([48, 32, 48 * 32 * 3]);
    await expect(codec.encode({ width: 40, height: 32, data: testImage(40, 32) })).rejects.toThrow(
      /multiple of 16/,
    );
    await expect(codec.decode({ rows: 1, cols: 1, indices: Int32Array.of(99) })).rejects.toThrow(
      /outside the codebook/,
    );
    await codec.close();
  });
});
