// QUANT=int8|int4 end to end on a generated checkpoint: the engine quantizes the blocks' linear weights once into
// its cache folder, draws images with them, and a second engine reuses the cached file instead of quantizing again.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type ImageResult, makeTestCheckpoint } from '../../engine/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-quant-e2e-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const modelDir = path.join(root, 'model');
makeTestCheckpoint({ out: modelDir, preset: 'tiny', dtype: 'bf16' });
const request = {
  task: 'text_to_image' as const,
  prompt: 'a red fox',
  width: 64,
  height: 64,
  steps: 4,
  seed: 5,
  temperature: 0,
};

describe('quantized engine', () => {
  for (const quant of ['int8', 'int4'] as const) {
    it(`${quant}: makes an image and reuses its quantized weights on the next load`, async () => {
      const cacheDir = path.join(root, `cache-${quant}`);
      const messages: string[] = [];
      const engine = await createEngine({
        modelDir,
        device: 'cpu',
        quant,
        cacheDir,
        log: (_level, message, fields) => messages.push(`${message} ${JSON.stringify(fields ?? {})}`),
      });
      expect(engine.info.quant).toBe(quant);
      const result = (await engine.generate(request)) as ImageResult;
      await engine.close();
      expect(result.kind).toBe('image');
      expect([result.image.width, result.image.height]).toEqual([64, 64]);
      const files = fs.readdirSync(path.join(cacheDir, 'quantized'));
      expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(1);
      const made = fs.statSync(path.join(cacheDir, 'quantized', files.find((f) => f.endsWith('.bin'))!));

      const again = await createEngine({ modelDir, device: 'cpu', quant, cacheDir });
      const second = (await again.generate(request)) as ImageResult;
      await again.close();
      expect(Array.from(second.tokens.data)).toEqual(Array.from(result.tokens.data));
      const reused = fs.statSync(path.join(cacheDir, 'quantized', files.find((f) => f.endsWith('.bin'))!));
      expect(reused.mtimeMs).toBe(made.mtimeMs);
      expect(messages.some((m) => m.startsWith('quantized weights ready'))).toBe(true);
    });
  }

  // sha256 of the cache file and its index as the synchronous quantizer wrote them (before it moved to a worker
  // thread) for the bf16 'small' preset: the worker must write the same bytes.
  const BEFORE = {
    int8: {
      bin: '2f83eccf69fbf4862349e8ed9c81087de626d36dd6f538e34d6f4af8d1985891',
      json: 'bc674d0a56873c2f51f5ff0c7ee15c0eb02a7ada8d24885c67e3c8f9ec1a1db5',
    },
    int4: {
      bin: '7036a4fb1a47983674665a111b12690ceec62ceb536e6816173643a697d6278d',
      json: '4ac81b9fe989486c344fe1d5565bb31695f2a3441cff057fe0f87f3168b0ee88',
    },
  };

  it('quantizes on a worker thread: timers keep firing meanwhile, and the cache holds the same bytes as before', async () => {
    const smallDir = path.join(root, 'small');
    makeTestCheckpoint({ out: smallDir, preset: 'small', dtype: 'bf16' });
    for (const quant of ['int8', 'int4'] as const) {
      const cacheDir = path.join(root, `cache-small-${quant}`);
      const ticks: number[] = [];
      const timer = setInterval(() => ticks.push(performance.now()), 10);
      let quantized: { at: number; ms: number } | undefined;
      const engine = await createEngine({
        modelDir: smallDir,
        device: 'cpu',
        quant,
        cacheDir,
        log: (_level, message, fields) => {
          if (message === 'quantized weights ready')
            quantized = { at: performance.now(), ms: fields?.ms as number };
        },
      }).finally(() => clearInterval(timer));
      await engine.close();
      // While the weights were quantized (the last `ms` before the log line), the main thread ran its timers: a
      // blocked loop fires none in that window and leaves one gap as long as the whole of it.
      expect(quantized).toBeDefined();
      const { at, ms } = quantized!;
      const during = [at - ms, ...ticks.filter((t) => t > at - ms && t < at), at];
      const longestGap = Math.max(...during.slice(1).map((t, i) => t - (during[i] as number)));
      expect(during.length - 2, `${ms} ms of quantizing`).toBeGreaterThanOrEqual(Math.floor(ms / 10 / 5));
      expect(longestGap, `${ms} ms of quantizing`).toBeLessThan(ms / 2);

      const dir = path.join(cacheDir, 'quantized');
      const bin = fs.readdirSync(dir).find((f) => f.endsWith('.bin'))!;
      const sha = (f: string) =>
        createHash('sha256')
          .update(fs.readFileSync(path.join(dir, f)))
          .digest('hex');
      expect({ bin: sha(bin), json: sha(`${bin}.json`) }).toEqual(BEFORE[quant]);
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    }
  });
});
