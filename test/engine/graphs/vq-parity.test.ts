// VQ graphs against the float64 naive reference (issue 3 item 4) on a tiny VQ with amused's structure.
// Tolerance: relative error ≤ 1e-4 for fp32 weights. bf16/f16 weights get the same bound: the graph casts them
// to float32 exactly (every bf16/f16 value is a float32 value) and computes in float32 as upstream does
// (the VQ runs in fp32, force_upcast), and the reference reads the same stored values, so the only difference is
// float32 vs float64 arithmetic, as with fp32 weights.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVqDecoder, buildVqEncoder, type GroupNormMode } from '../../../engine/graphs/vq.js';
import { parseVqConfig } from '../../../engine/graphs/vq-config.js';
import { externalDataSessionOptions } from '../../../engine/runtime/external-data.js';
import { TINY_VQ_CONFIG, type VqConfigJson, writeRandomVq } from '../../doubles/random-vq.js';
import { readTensorFloat64, readWeightRefs, type StoredDType } from '../../doubles/safetensors-double.js';
import { type Map3, NaiveVq } from '../../reference/naive-vq.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vq-parity-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function checkpoint(
  dtype: StoredDType,
  seed: number,
  json: VqConfigJson = TINY_VQ_CONFIG,
  legacyAttentionNames = false,
) {
  const dir = path.join(root, `${dtype}-${seed}-${legacyAttentionNames}`);
  const refs = readWeightRefs(
    writeRandomVq(path.join(dir, 'vqvae'), { seed, dtype, config: json, legacyAttentionNames }),
  );
  const weight = (name: string) => {
    const ref = refs.get(name);
    if (!ref) throw new Error(`test checkpoint lacks ${name}`);
    return ref;
  };
  const config = parseVqConfig(JSON.parse(fs.readFileSync(path.join(dir, 'vqvae', 'config.json'), 'utf8')));
  const cache = new Map<string, Float64Array>();
  const naive = new NaiveVq(json, (name) => {
    const known = cache.get(name);
    if (known) return known;
    const values = readTensorFloat64(weight(name));
    cache.set(name, values);
    return values;
  });
  return { dir, weight, config, naive };
}

/** A smooth test image quantised to 8-bit levels, as a decoded PNG would be: [3, H, W] in [0, 1]. */
function testImage(height: number, width: number, phase: number): Float32Array {
  const img = new Float32Array(3 * height * width);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const v = 0.5 + 0.45 * Math.sin(0.31 * x + c + phase) * Math.cos(0.17 * y - 2 * c);
        img[(c * height + y) * width + x] = Math.round(255 * v) / 255;
      }
  return img;
}

function relativeError(actual: ArrayLike<number>, expected: Map3 | Float64Array): number {
  const ref = 'data' in expected ? expected.data : expected;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (ref[i] as number)));
    scale = Math.max(scale, Math.abs(ref[i] as number));
  }
  return diff / scale;
}

async function runVq(
  ck: ReturnType<typeof checkpoint>,
  image: Float32Array,
  height: number,
  width: number,
  groupNorm?: GroupNormMode,
) {
  const options = externalDataSessionOptions(ck.dir);
  const common = { weight: ck.weight, folder: ck.dir, groupNorm };
  const encoder = await ort.InferenceSession.create(
    buildVqEncoder(ck.config, { ...common, latentsOutput: true }),
    options,
  );
  const decoder = await ort.InferenceSession.create(buildVqDecoder(ck.config, common), options);
  const encoded = await encoder.run({ image: new ort.Tensor('float32', image, [1, 3, height, width]) });
  const rows = height / 16;
  const cols = width / 16;
  const indices = encoded.indices?.data as BigInt64Array;
  const decoded = await decoder.run({ indices: new ort.Tensor('int64', indices, [1, rows, cols]) });
  return {
    indices: Array.from(indices, Number),
    indicesDims: encoded.indices?.dims,
    latents: encoded.latents?.data as Float32Array,
    image: decoded.image?.data as Float32Array,
    imageDims: decoded.image?.dims,
  };
}

describe('VQ graphs match the float64 reference', () => {
  const fp32 = checkpoint('F32', 7);

  for (const [height, width] of [
    [32, 32],
    [48, 32],
  ] as const) {
    it(`fp32 weights, ${width}×${height}: same indices, latents and decoded pixels within 1e-4`, async () => {
      const image = testImage(height, width, height / 7);
      const got = await runVq(fp32, image, height, width);
      const ref = fp32.naive.encode({ c: 3, h: height, w: width, data: Float64Array.from(image) });
      // A tie within float32 noise would make index equality meaningless; the seeded model has none.
      expect(Math.min(...ref.margins)).toBeGreaterThan(1e-3);
      expect(got.indicesDims).toEqual([1, (height / 16) * (width / 16)]);
      expect(got.indices).toEqual(Array.from(ref.indices));
      expect(relativeError(got.latents, ref.latents)).toBeLessThan(1e-4);

      const pixels = fp32.naive.decode(ref.indices, height / 16, width / 16);
      expect(got.imageDims).toEqual([1, 3, height, width]);
      expect(relativeError(got.image, pixels)).toBeLessThan(1e-4);
      // The comparison means something only if the image is not clipped flat.
      const inside = pixels.data.filter((v) => v > 0.01 && v < 0.99).length;
      expect(inside / pixels.data.length).toBeGreaterThan(0.2);
    });
  }

  for (const mode of ['group', 'reduce'] as const) {
    it(`GroupNorm expressed as '${mode}' gives the same result`, async () => {
      const image = testImage(32, 32, 1);
      const got = await runVq(fp32, image, 32, 32, mode);
      const ref = fp32.naive.encode({ c: 3, h: 32, w: 32, data: Float64Array.from(image) });
      expect(got.indices).toEqual(Array.from(ref.indices));
      expect(relativeError(got.latents, ref.latents)).toBeLessThan(1e-4);
      expect(relativeError(got.image, fp32.naive.decode(ref.indices, 2, 2))).toBeLessThan(1e-4);
    });
  }

  for (const dtype of ['BF16', 'F16'] as const) {
    it(`${dtype} weights (cast to fp32 in the graph): same bound against the reference on the same stored values`, async () => {
      const ck = checkpoint(dtype, 11);
      const image = testImage(48, 32, 2);
      const got = await runVq(ck, image, 48, 32);
      const ref = ck.naive.encode({ c: 3, h: 48, w: 32, data: Float64Array.from(image) });
      expect(got.indices).toEqual(Array.from(ref.indices));
      expect(relativeError(got.latents, ref.latents)).toBeLessThan(1e-4);
      expect(relativeError(got.image, ck.naive.decode(ref.indices, 3, 2))).toBeLessThan(1e-4);
    });
  }

  for (const legacy of [false, true]) {
    it(`mid-block self-attention (${legacy ? 'pre-0.14 query/key/value/proj_attn' : 'to_q/to_k/to_v/to_out.0'} names)`, async () => {
      const ck = checkpoint('F32', 13, { ...TINY_VQ_CONFIG, mid_block_add_attention: true }, legacy);
      expect(ck.config.midBlockAttention).toBe(true);
      const image = testImage(48, 32, 3);
      const got = await runVq(ck, image, 48, 32);
      const ref = ck.naive.encode({ c: 3, h: 48, w: 32, data: Float64Array.from(image) });
      expect(Math.min(...ref.margins)).toBeGreaterThan(1e-3);
      expect(got.indices).toEqual(Array.from(ref.indices));
      expect(relativeError(got.latents, ref.latents)).toBeLessThan(1e-4);
      expect(relativeError(got.image, ck.naive.decode(ref.indices, 3, 2))).toBeLessThan(1e-4);
    });
  }
});
