// Text-to-image through the real engine (checkpoint loader, ONNX graphs, onnxruntime) on generated checkpoints.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../engine/checkpoint/load.js';
import { encodePng, type ImageResult, type MlCacheOptions, makeTestCheckpoint } from '../../engine/index.js';
import { gridForSize, textToImageSequence } from '../../engine/sequence.js';
import { TEST_DEVICE, useTinyEngine } from './tiny-engine.js';

describe('text-to-image on a generated tiny checkpoint', () => {
  const tiny = useTinyEngine('dimoo-t2i-', 5);

  const run = async (seed: number | undefined, temperature = 1) =>
    (await tiny.engine.generate({
      task: 'text_to_image',
      prompt: 'a red fox',
      width: 64,
      height: 48,
      steps: 6,
      seed,
      temperature,
    })) as ImageResult;

  it('returns an image of the asked size with its token grid, seed and timings', async () => {
    const steps: number[] = [];
    const result = (await tiny.engine.generate(
      { task: 'text_to_image', prompt: '一只狐狸', width: 64, height: 48, steps: 6, seed: 9 },
      { onProgress: (p) => p.phase || steps.push(p.step) },
    )) as ImageResult;
    expect([result.image.width, result.image.height, result.image.data.length]).toEqual([
      64,
      48,
      64 * 48 * 3,
    ]);
    expect([result.tokens.rows, result.tokens.cols, result.tokens.data.length]).toEqual([3, 4, 12]);
    expect(result.tokens.data.every((c) => c >= 0 && c < 64)).toBe(true);
    expect(result.seed).toBe(9);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.timings.forward_ms).toBeGreaterThan(0);
    expect(tiny.engine.info.device).toBe(TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu');
  });

  it('gives identical tokens and PNG bytes for the same seed, and other tokens for another seed', async () => {
    const [a, b, c] = [await run(42), await run(42), await run(43)];
    expect(Array.from(a.tokens.data)).toEqual(Array.from(b.tokens.data));
    expect(Buffer.from(await encodePng(a.image)).equals(Buffer.from(await encodePng(b.image)))).toBe(true);
    expect(Array.from(a.tokens.data)).not.toEqual(Array.from(c.tokens.data));
  });

  it('steers away from a negative prompt: other tokens, the same again for the same seed; blank is none', async () => {
    const draw = (negativePrompt?: string, cache: MlCacheOptions | false = false) =>
      tiny.engine.generate({
        task: 'text_to_image',
        prompt: 'a red fox',
        width: 64,
        height: 48,
        steps: 6,
        seed: 42,
        cache,
        ...(negativePrompt === undefined ? {} : { negativePrompt }),
      }) as Promise<ImageResult>;
    const tokens = async (r: Promise<ImageResult>) => Array.from((await r).tokens.data);
    const plain = await tokens(draw());
    const away = await tokens(draw('snow, trees'));
    expect(away).not.toEqual(plain);
    expect(await tokens(draw('snow, trees'))).toEqual(away);
    expect(await tokens(draw('   '))).toEqual(plain);
    // ML-Cache's interval takes the negative prompt's row too.
    const cache = { cacheRatio: 0.5, warmupRatio: 0, refreshInterval: 3 };
    expect(await tokens(draw('snow, trees', cache))).not.toEqual(await tokens(draw(undefined, cache)));
    await expect(draw('x'.repeat(5000))).rejects.toThrow(/negative prompt is 5000 characters/);
    await expect(
      tiny.engine.generate({
        task: 'text_to_image',
        prompt: 'a fox',
        width: 64,
        height: 48,
        cfg: 0,
        negativePrompt: 'snow',
      }),
    ).rejects.toThrow(/negative prompt needs guidance, and cfg is 0/);
  });

  it('is deterministic at temperature 0 without a seed', async () => {
    const [a, b] = [await run(undefined, 0), await run(undefined, 0)];
    expect(Array.from(a.tokens.data)).toEqual(Array.from(b.tokens.data));
  });

  it('refuses bad sizes and stops when cancelled, staying usable', async () => {
    await expect(
      tiny.engine.generate({ task: 'text_to_image', prompt: 'x', width: 70, height: 64, steps: 2 }),
    ).rejects.toMatchObject({ code: 'bad_request' });
    const controller = new AbortController();
    const cancelled = tiny.engine.generate(
      { task: 'text_to_image', prompt: 'x', width: 64, height: 64, steps: 20, seed: 1 },
      { signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await run(1)).kind).toBe('image');
  });
});

describe('sequence layout (§3.1) with the dimoo-ids checkpoint’s real tokenizer and ids', () => {
  it('places BOA/BOI, a newline after every row, EOI/EOA and code_start as upstream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-ids-'));
    makeTestCheckpoint({ out: dir, preset: 'dimoo-ids' });
    const ckpt = await loadCheckpoint(dir);
    const seq = textToImageSequence(ckpt, 'a cat', gridForSize(64, 32));
    const prompt = ckpt.tokenizer.encode(
      '<system>Generate an image according to the text prompt.</system><user>a cat</user>',
    );
    const ids = Array.from(seq.ids);
    expect(ids.slice(0, prompt.length)).toEqual(prompt);
    expect(seq.answerStart).toBe(prompt.length);
    expect(seq.codeStart).toBe(prompt.length + 2);
    expect(ids.slice(prompt.length, prompt.length + 2)).toEqual([126354, 126349]);
    const rows = ids.slice(seq.codeStart, ids.length - 2);
    expect(rows).toEqual([...Array(4).fill(126336), 126084, ...Array(4).fill(126336), 126084]);
    expect(ids.slice(-2)).toEqual([126350, 126355]);
    const uncond = seq.branches[0]!;
    expect(Array.from(uncond.prefix).at(-1)).toBe(ckpt.tokenizer.tokenId('</user>'));
    expect(Array.from(uncond.prefix)).toContain(126351);
  });
});
