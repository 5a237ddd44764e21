// Batched jobs whose masked counts drift apart: bf16 re-masking ties let a step commit more cells than scheduled
// (as upstream's `confidence < cut_off` does), so jobs of one shape reach a step with different masked counts. They
// still share one forward pass per step, each padded to the batch's largest count, and each draws what it draws alone.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/api.js';
import { ImageStepSession, packImageSteps } from '../../engine/runtime/image-step-session.js';
import { DIMOO_TOKEN_LAYOUT as layout } from '../../engine/sampling/layout-type.js';
import { gridForSize, textToImageSequence } from '../../engine/sequence.js';
import { type ImageLoopJob, type ImageLoopResult, runImageLoops } from '../../engine/tasks/image-loop.js';
import { CellwiseStepRunner } from '../doubles/cellwise-step-runner.js';
import { CharTokenizer } from '../doubles/char-tokenizer.js';
import { ScriptedImageStep } from '../doubles/scripted-image-step.js';

const ctx = { tokenizer: new CharTokenizer(), layout };

const job = (prompt: string, size: number, steps: number, seed: number, temperature = 1): ImageLoopJob => ({
  seq: textToImageSequence(ctx, prompt, gridForSize(size, size)),
  options: { steps, temperature, seed, weights: [5, -4] },
});

function codesOf(result: ImageLoopResult | EngineError): number[] {
  if (result instanceof EngineError) throw result;
  return Array.from(result.codes.codes);
}

describe('batched image loops with drifting masked counts', () => {
  it('four 512² jobs at τ = 1 take one pass per step, each drawing what it draws alone', async () => {
    const backend = new ScriptedImageStep(layout.codebookSize);
    const jobs = [1, 2, 3, 4].map((seed) => job('a red fox', 512, 16, seed));
    const batched = await runImageLoops(jobs, layout, backend);
    expect(backend.passes).toEqual(Array(16).fill(4));
    // The jobs did drift apart: some pass served jobs with different numbers of cells.
    const counts = backend.calls.map((c) => c.positions[0]?.length);
    const perPass = Array.from({ length: 16 }, (_, p) => new Set(counts.slice(4 * p, 4 * p + 4)).size);
    expect(Math.max(...perPass)).toBeGreaterThan(1);
    for (const [i, j] of jobs.entries()) {
      const [alone] = await runImageLoops([j], layout, new ScriptedImageStep(layout.codebookSize));
      expect(codesOf(batched[i]!)).toEqual(codesOf(alone!));
    }
  });

  it('through the image-step session, pads each job to the batch and gives it exactly its solo codes', async () => {
    const K = layout.codebookSize;
    const jobs = [
      job('a red fox', 256, 8, 1),
      job('a much longer prompt about a fox in the snow', 256, 8, 2),
      job('fox', 256, 8, 3, 0),
      job('a red fox', 256, 8, 4, 0.7),
    ];
    const runner = new CellwiseStepRunner(K);
    const batched = await runImageLoops(jobs, layout, new ImageStepSession(runner));
    const soloCells: number[][] = [];
    for (const [i, j] of jobs.entries()) {
      const solo = new CellwiseStepRunner(K);
      const [alone] = await runImageLoops([j], layout, new ImageStepSession(solo));
      expect(codesOf(batched[i]!)).toEqual(codesOf(alone!));
      soloCells.push(solo.cells);
    }
    // One pass per step for the jobs still drawing (a job whose ties commit every cell early leaves, as upstream's
    // loop ends), at its largest job's count; the counts did diverge.
    const steps = Array.from({ length: 8 }, (_, s) =>
      soloCells.map((c) => c[s]).filter((m) => m !== undefined),
    );
    expect(runner.runs).toEqual(steps.map((ms) => ms.length).filter((n) => n > 0));
    expect(runner.cells).toEqual(steps.filter((ms) => ms.length > 0).map((ms) => Math.max(...ms)));
    expect(steps.some((ms) => new Set(ms).size > 1)).toBe(true);
    expect(runner.runs[0]).toBe(4);
  });

  it("packs a job with fewer cells by repeating its own last cell's position and uniform", () => {
    const input = (cells: number[], noise: number[]) => ({
      sequences: [Int32Array.from([1, 2, 3, 4, 5]), Int32Array.from([1, 2, 3])],
      positions: [Int32Array.from(cells), Int32Array.from(cells, (p) => p - 2)],
      weights: [5, -4],
      temperature: 1,
      noise: Float32Array.from(noise),
    });
    const packed = packImageSteps([input([2, 3, 4], [0.1, 0.2, 0.3]), input([3], [0.5])]);
    expect(packed.M).toBe(3);
    expect(Array.from(packed.gatherPos, Number)).toEqual([2, 3, 4, 0, 1, 2, 3, 3, 3, 1, 1, 1]);
    expect(Array.from(packed.noise)).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3, 0.5, 0.5, 0.5])));
  });
});
