import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVqDecoder } from '../../../engine/graphs/vq.js';
import { parseVqConfig } from '../../../engine/graphs/vq-config.js';
import { externalDataSessionOptions, type WeightRef } from '../../../engine/runtime/external-data.js';
import { type SessionFactory, VqCodec } from '../../../engine/runtime/vq-codec.js';
import { TINY_VQ_CONFIG, writeRandomVq } from '../../doubles/random-vq.js';
import { readTensorFloat64, readWeightRefs } from '../../doubles/safetensors-double.js';
import { NaiveVq } from '../../reference/naive-vq.js';
import { gradient } from '../gradient.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vq-codec-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const refs = readWeightRefs(writeRandomVq(path.join(root, 'vqvae'), { seed: 5 }));
const weight = (name: string) => refs.get(name) as WeightRef;
const config = parseVqConfig(TINY_VQ_CONFIG);
const naive = new NaiveVq(TINY_VQ_CONFIG, (name) => readTensorFloat64(weight(name)));

function recordingFactory() {
  const calls: Array<{ options: ort.InferenceSession.SessionOptions }> = [];
  const create: SessionFactory = (model, options) => {
    calls.push({ options });
    return typeof model === 'string'
      ? ort.InferenceSession.create(model, options)
      : ort.InferenceSession.create(model, options);
  };
  return { calls, create };
}

describe('VqCodec', () => {
  it('encodes RGB bytes as upstream does (RGB/255, NCHW) and decodes to rounded RGB bytes', async () => {
    const factory = recordingFactory();
    const codec = new VqCodec({ config, weight, folder: root, createSession: factory.create });
    const image = gradient(32, 48);
    const tokens = await codec.encode(image);
    expect(tokens.rows).toBe(3);
    expect(tokens.cols).toBe(2);

    const chw = new Float64Array(3 * 48 * 32);
    for (let i = 0; i < 48 * 32; i++)
      for (let c = 0; c < 3; c++) chw[c * 48 * 32 + i] = Math.fround((image.data[i * 3 + c] as number) / 255);
    const expected = naive.encode({ c: 3, h: 48, w: 32, data: chw });
    expect(Array.from(tokens.indices)).toEqual(Array.from(expected.indices));

    const decoded = await codec.decode(tokens.rows, tokens.cols, tokens.indices);
    expect(decoded.width).toBe(32);
    expect(decoded.height).toBe(48);
    const pixels = naive.decode(tokens.indices, 3, 2);
    let off = 0;
    for (let i = 0; i < 48 * 32; i++)
      for (let c = 0; c < 3; c++) {
        const want = Math.round((pixels.data[c * 48 * 32 + i] as number) * 255);
        const got = decoded.data[i * 3 + c] as number;
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1); // a float64/float32 split at a .5 boundary
        if (got !== want) off += 1;
      }
    expect(off).toBeLessThan(10);
    expect(factory.calls[0]?.options.extra).toEqual({
      session: { model_external_initializers_file_folder_path: root },
    });
    await codec.close();
  });

  it("the in-graph byte output equals the float output rounded half-to-even on the host (numpy's round)", async () => {
    const options = externalDataSessionOptions(root);
    const floatSession = await ort.InferenceSession.create(
      buildVqDecoder(config, { weight, folder: root }),
      options,
    );
    const ids = new ort.Tensor('int64', BigInt64Array.from([1n, 60n, 33n, 7n, 0n, 63n]), [1, 2, 3]);
    const floats = (await floatSession.run({ indices: ids })).image?.data as Float32Array;
    const codec = new VqCodec({ config, weight, folder: root, createSession: recordingFactory().create });
    const bytes = await codec.decode(2, 3, [1, 60, 33, 7, 0, 63]);
    const plane = 32 * 48;
    const halfEven = (v: number) => {
      const r = Math.round(v);
      return r - v === 0.5 && r % 2 === 1 ? r - 1 : r;
    };
    for (let i = 0; i < plane; i++)
      for (let c = 0; c < 3; c++)
        expect(bytes.data[i * 3 + c]).toBe(halfEven(Math.fround((floats[c * plane + i] as number) * 255)));
    await codec.close();
  });

  it('opens only the decoder for decode-only work, and retries a session start that failed', async () => {
    const factory = recordingFactory();
    let failNext = true;
    const codec = new VqCodec({
      config,
      weight,
      folder: root,
      createSession: (model, options) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('device busy'));
        }
        return factory.create(model, options);
      },
    });
    await expect(codec.decode(1, 1, [3])).rejects.toThrow('device busy');
    const image = await codec.decode(1, 1, [3]);
    expect(image.data.length).toBe(16 * 16 * 3);
    expect(factory.calls).toHaveLength(1);
    await codec.close();
  });

  it("opens both graphs without onnxruntime's memory pattern, whose one block per size the arena kept beside the first run's chunks", async () => {
    const factory = recordingFactory();
    const codec = new VqCodec({ config, weight, folder: root, createSession: factory.create });
    await codec.warm();
    expect(factory.calls).toHaveLength(2);
    for (const { options } of factory.calls) {
      expect(options.enableMemPattern).toBe(false);
      expect(options.extra).toEqual({ session: { model_external_initializers_file_folder_path: root } });
    }
    // The second run at a size is the one a pattern would have served: it still decodes the same bytes.
    const first = await codec.decode(2, 3, [1, 60, 33, 7, 0, 63]);
    const second = await codec.decode(2, 3, [1, 60, 33, 7, 0, 63]);
    expect(Array.from(second.data)).toEqual(Array.from(first.data));
    await codec.close();
  });

  it('refuses sizes, lengths and indices it cannot represent, before running anything', async () => {
    const factory = recordingFactory();
    const codec = new VqCodec({ config, weight, folder: root, createSession: factory.create });
    await expect(codec.encode(gradient(40, 32))).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/multiples of 16, got 40×32/),
    });
    await expect(codec.encode({ width: 16, height: 16, data: new Uint8Array(10) })).rejects.toThrow(
      /10 bytes, expected 768/,
    );
    await expect(codec.decode(2, 2, [1, 2, 3])).rejects.toThrow(/3 indices for a 2×2 grid/);
    await expect(codec.decode(1, 2, [1, 64])).rejects.toThrow(
      /index 64 at cell 1 is outside the codebook \(0\.\.63\)/,
    );
    await expect(codec.decode(0, 2, [])).rejects.toThrow(/positive token grid/);
    expect(factory.calls).toHaveLength(0);
  });
});
