// Understanding: the block loop with a scripted text step (stops after the block holding `</answer>`, cuts the
// text there), then the real engine on a generated tiny checkpoint (sizes, determinism, refusals, cancel).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Checkpoint, loadCheckpoint } from '../../../engine/checkpoint/load.js';
import {
  createEngine,
  type Engine,
  makeTestCheckpoint,
  type RgbImage,
  type TextResult,
} from '../../../engine/index.js';
import type { ImageStepBackend } from '../../../engine/runtime/image-step-backend.js';
import type { VqCodec } from '../../../engine/runtime/vq-codec.js';
import type { TaskContext } from '../../../engine/tasks/context.js';
import { understand } from '../../../engine/tasks/understand.js';
import { ScriptedTextStep } from '../../doubles/scripted-text-step.js';
import { checkpointVq } from './checkpoint-vq.js';

// DIMOO_TEST_DEVICE=cuda runs these on a GPU (a host with Node and `npx dimoo gpu-setup` done).
const TEST_DEVICE = process.env.DIMOO_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) % 256;
  return { width, height, data };
}

const image = gradient(48, 32);
let dir: string;
let ckpt: Checkpoint;
let vq: VqCodec;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dimoo-mmu-'));
  makeTestCheckpoint({ out: dir, preset: 'tiny', seed: 8, dtype: 'bf16' });
  ckpt = await loadCheckpoint(dir);
  vq = checkpointVq(ckpt);
});
afterAll(async () => vq.close());

describe('the understanding loop with a scripted text step', () => {
  const context = (textStep: ScriptedTextStep): TaskContext => ({
    layout: ckpt.layout,
    tokenizer: ckpt.tokenizer,
    vq,
    imageStep: {} as ImageStepBackend, // never used by understanding
    textStep: async () => textStep,
    mlCache: () => Promise.reject(new Error('not used by understanding')),
  });

  it('stops after the block in which </answer> appears and cuts the text there', async () => {
    const words = ckpt.tokenizer.encode('a red fox');
    const { layout } = ckpt;
    const double = new ScriptedTextStep([...words, layout.eoa], {
      boa: layout.boa,
      pad: layout.answerPad,
      vocabSize: layout.vocabSize,
    });
    const progress: number[] = [];
    // 4 blocks of 8, 4 steps each (2 commits per step).
    const result = await understand(
      context(double),
      { task: 'understand', image, question: 'what is it?', genLength: 32, blockLength: 8, steps: 16 },
      { onProgress: (p) => progress.push(p.step) },
    );
    const blocksRun = Math.floor(words.length / 8) + 1;
    expect(result.text).toBe('a red fox');
    expect(double.calls.length).toBe(4 * blocksRun);
    expect(progress).toEqual(Array.from({ length: 4 * blocksRun }, (_, i) => i + 1));
    expect(double.calls.every((c) => c.positions.length <= 8 && c.sequences.length === 1)).toBe(true);
    // The first call sees only the first block's masked positions.
    const first = double.calls[0]!;
    expect(first.sequences[0]![first.positions[0]! - 1]).toBe(layout.boa);
  });

  it('runs CFG as [x, x with the prompt masked] weighted [1+c, −c]', async () => {
    const { layout } = ckpt;
    const double = new ScriptedTextStep([layout.eoa], {
      boa: layout.boa,
      pad: layout.answerPad,
      vocabSize: layout.vocabSize,
    });
    const result = await understand(context(double), {
      task: 'understand',
      image,
      genLength: 8,
      blockLength: 8,
      steps: 2,
      cfg: 1.5,
    });
    expect(result.text).toBe('');
    const call = double.calls[0]!;
    expect(call.weights).toEqual([2.5, -1.5]);
    expect(call.sequences[1]!.slice(0, 5).every((id) => id === layout.mask)).toBe(true);
  });
});

describe('understanding on a generated tiny checkpoint', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ modelDir: dir, device: TEST_DEVICE });
  });
  afterAll(async () => engine.close());
  const ask = (extra = {}) =>
    engine.generate({
      task: 'understand',
      image,
      question: '这是什么?',
      genLength: 8,
      blockLength: 4,
      steps: 4,
      ...extra,
    }) as Promise<TextResult>;

  it('answers with text, deterministic at temperature 0 and for a seed', async () => {
    const steps: number[] = [];
    const a = (await engine.generate(
      { task: 'understand', image, genLength: 8, blockLength: 4, steps: 4 },
      { onProgress: (p) => steps.push(p.step) },
    )) as TextResult;
    expect(a.kind).toBe('text');
    expect(typeof a.text).toBe('string');
    expect(steps[0]).toBe(1);
    expect(steps.at(-1)).toBe(a.steps);
    const b = (await engine.generate({
      task: 'understand',
      image,
      genLength: 8,
      blockLength: 4,
      steps: 4,
    })) as TextResult;
    expect(b.text).toBe(a.text);
    const [c, d] = [await ask({ temperature: 1, seed: 3 }), await ask({ temperature: 1, seed: 3 })];
    expect(c.text).toBe(d.text);
    expect(c.seed).toBe(3);
  });

  it('refuses bad divisibility and stops when cancelled', async () => {
    await expect(ask({ genLength: 10 })).rejects.toMatchObject({
      code: 'bad_request',
      message: /multiple of block_length/,
    });
    await expect(ask({ steps: 3 })).rejects.toMatchObject({
      code: 'bad_request',
      message: /multiple of the number of blocks/,
    });
    const controller = new AbortController();
    const cancelled = engine.generate(
      { task: 'understand', image, genLength: 16, blockLength: 16, steps: 16 },
      { signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await ask()).kind).toBe('text');
  });

  it('with the block cache: one run per block, the uncached answer where a block takes one step', async () => {
    const progress: number[] = [];
    const cached = await ask({ cache: true, genLength: 8, blockLength: 4, steps: 2 });
    const exact = await ask({ genLength: 8, blockLength: 4, steps: 2 });
    // One step per block leaves nothing for the cache to change.
    expect(cached.tokens).toEqual(exact.tokens);
    expect(cached.steps).toBe(exact.steps);
    expect([cached.cache, exact.cache]).toEqual([true, undefined]);
    const longer = (await engine.generate(
      { task: 'understand', image, genLength: 8, blockLength: 4, steps: 8, cache: true },
      { onProgress: (p) => progress.push(p.step) },
    )) as TextResult;
    expect(longer.kind).toBe('text');
    // Progress comes per block, in the uncached loop's step count.
    expect(progress).toEqual(progress.length === 1 ? [4] : [4, 8]);
    // A sampled answer (τ > 0) runs uncached: progress per step.
    const sampled: number[] = [];
    const drawn = await engine.generate(
      {
        task: 'understand',
        image,
        genLength: 4,
        blockLength: 4,
        steps: 4,
        temperature: 1,
        seed: 2,
        cache: true,
      },
      { onProgress: (p) => sampled.push(p.step) },
    );
    expect(sampled).toEqual([1, 2, 3, 4]);
    expect((drawn as TextResult).cache).toBeUndefined();
  });

  it('an engine made without ML-Cache still has the block cache: the loop sits in its image-step graph', async () => {
    const plain = await createEngine({ modelDir: dir, device: TEST_DEVICE, mlCache: false, warm: false });
    try {
      const steps: number[] = [];
      const answer = (await plain.generate(
        { task: 'understand', image, genLength: 4, blockLength: 4, steps: 2, cache: true },
        { onProgress: (p) => steps.push(p.step) },
      )) as TextResult;
      expect(answer.kind).toBe('text');
      expect(answer.cache).toBe(true);
      expect(steps).toEqual([2]);
    } finally {
      await plain.close();
    }
  });
});
