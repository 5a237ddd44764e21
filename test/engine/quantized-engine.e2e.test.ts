// QUANT=int8|int4 end to end on a generated checkpoint: the engine quantizes the blocks' linear weights once into
// its cache folder, draws images with them, and a second engine reuses the cached file instead of quantizing again.
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
});
