import { describe, expect, it } from 'vitest';
import { EngineError } from '../../engine/api.js';
import { DIMOO_TOKEN_LAYOUT } from '../../engine/sampling/layout-type.js';
import { unmaskCounts } from '../../engine/sampling/schedule.js';
import { gridForSize, textToImageSequence } from '../../engine/sequence.js';
import { runImageLoop, runImageLoops } from '../../engine/tasks/image-loop.js';
import { CharTokenizer } from '../doubles/char-tokenizer.js';
import { ScriptedImageStep } from '../doubles/scripted-image-step.js';

const layout = DIMOO_TOKEN_LAYOUT;
const ctx = { tokenizer: new CharTokenizer(), layout };

function run(
  seed: number,
  temperature: number,
  steps = 8,
  extra: Partial<Parameters<typeof runImageLoop>[3]> = {},
) {
  const seq = textToImageSequence(ctx, 'a red fox', gridForSize(128, 64));
  const backend = new ScriptedImageStep(layout.codebookSize);
  return runImageLoop(seq, layout, backend, { steps, temperature, seed, weights: [5, -4], ...extra }).then(
    (r) => ({
      ...r,
      backend,
      seq,
    }),
  );
}

describe('image loop', () => {
  it('feeds cond and uncond with the same cells and CFG weights, committing by the cosine schedule', async () => {
    const { backend, codes, seq, stepsRun } = await run(1, 1);
    expect(stepsRun).toBe(8);
    const first = backend.calls[0]!;
    expect(first.weights).toEqual([5, -4]);
    expect(first.sequences).toHaveLength(2);
    const offset = seq.branches[0]!.offset;
    expect(Array.from(first.positions[1]!)).toEqual(Array.from(first.positions[0]!, (p) => p + offset));
    // Cells sampled at each step shrink exactly by the schedule's unmask counts.
    const counts = unmaskCounts(32, 8);
    let remaining = 32;
    backend.calls.forEach((call, step) => {
      expect(call.positions[0]!.length).toBe(remaining);
      remaining -= counts[step]!;
    });
    expect(codes.codes.length).toBe(32);
  });

  it('with fewer cells than steps, ends early and counts its progress over the steps that run', async () => {
    const totals = new Set<number>();
    const seen: number[] = [];
    const { stepsRun } = await run(1, 1, 40, {
      onProgress: (e) => {
        totals.add(e.total);
        seen.push(e.step);
      },
    });
    expect(stepsRun).toBe(32);
    expect([...totals]).toEqual([32]);
    expect(seen).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('drops a zero-weight branch (no guidance = one sequence)', async () => {
    const { backend } = await run(1, 1, 4, { weights: [1, 0] });
    expect(backend.calls[0]!.sequences).toHaveLength(1);
  });

  it('keeps every branch of a guidance with one zero scale (image-to-image rounds by its three branches)', async () => {
    const one = textToImageSequence(ctx, 'a red fox', gridForSize(128, 64));
    const seq = { ...one, branches: [one.branches[0]!, one.branches[0]!] };
    const run3 = async (weights: number[]) => {
      const backend = new ScriptedImageStep(layout.codebookSize);
      await runImageLoop(seq, layout, backend, { steps: 2, temperature: 1, seed: 1, weights });
      return backend.calls[0]!;
    };
    const call = await run3([5, 0, -4]);
    expect(call.sequences).toHaveLength(3);
    expect(call.weights).toEqual([5, 0, -4]);
    expect((await run3([1, 0, 0])).sequences).toHaveLength(1);
    // A three-way sum of another form would be rounded as image-to-image's: refused rather than guided wrongly.
    await expect(run3([3, -0.5, -0.5])).rejects.toThrow(/image-to-image's form/);
  });

  it('is deterministic for a seed, differs across seeds, and needs no seed at temperature 0', async () => {
    const a = await run(42, 1);
    const b = await run(42, 1);
    const c = await run(43, 1);
    expect(Array.from(a.codes.codes)).toEqual(Array.from(b.codes.codes));
    expect(Array.from(a.codes.codes)).not.toEqual(Array.from(c.codes.codes));
    const t0 = await run(1, 0);
    const t0b = await run(999, 0);
    expect(Array.from(t0.codes.codes)).toEqual(Array.from(t0b.codes.codes));
  });

  it('stops within one step when cancelled', async () => {
    const controller = new AbortController();
    const seq = textToImageSequence(ctx, 'x', gridForSize(64, 64));
    const backend = new ScriptedImageStep(layout.codebookSize, (call) => {
      if (call === 2) controller.abort();
    });
    await expect(
      runImageLoop(seq, layout, backend, {
        steps: 8,
        temperature: 1,
        seed: 1,
        weights: [1],
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(backend.calls).toHaveLength(2);
  });

  it('reports progress and rate-limited previews with masked cells filled by their best code', async () => {
    const events: Array<{ step: number; preview: boolean }> = [];
    let decoded = 0;
    await run(1, 1, 8, {
      onProgress: (e) => events.push({ step: e.step, preview: e.preview !== undefined }),
      preview: {
        intervalMs: 1e9,
        decode: async (codes) => {
          decoded++;
          expect(codes.codes.every((c) => c >= 0 && c < layout.codebookSize)).toBe(true);
          return { width: 1, height: 1, data: new Uint8Array(3) };
        },
      },
    });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(decoded).toBe(1);
    expect(events[0]?.preview).toBe(true);
  });

  it('runs jobs of one shape through shared passes and other shapes in their own', async () => {
    const backend = new ScriptedImageStep(layout.codebookSize);
    const job = (prompt: string, width: number, seed: number) => ({
      seq: textToImageSequence(ctx, prompt, gridForSize(width, 64)),
      options: { steps: 4, temperature: 1, seed, weights: [5, -4] },
    });
    const results = await runImageLoops(
      [job('a red fox', 128, 1), job('a much longer prompt about a fox', 128, 2), job('x', 64, 3)],
      layout,
      backend,
    );
    // Per step: one pass for the two 128×64 jobs, one for the 64×64 job.
    expect(backend.passes).toEqual([2, 1, 2, 1, 2, 1, 2, 1]);
    expect(results[1]).not.toBeInstanceOf(EngineError);
    expect(results.map((r) => (r as { stepsRun: number }).stepsRun)).toEqual([4, 4, 4]);
    // The scripted backend depends on positions and noise only: a job's result does not depend on its batch.
    const again = await runImageLoops([job('a much longer prompt about a fox', 128, 2)], layout, backend);
    expect(Array.from((again[0] as { codes: { codes: Int32Array } }).codes.codes)).toEqual(
      Array.from((results[1] as { codes: { codes: Int32Array } }).codes.codes),
    );
  });

  it('lets one cancelled job leave the batch while the others carry on', async () => {
    const controller = new AbortController();
    const backend = new ScriptedImageStep(layout.codebookSize);
    const seq = textToImageSequence(ctx, 'x', gridForSize(64, 64));
    const base = { steps: 6, temperature: 1, weights: [1] };
    const results = await runImageLoops(
      [
        { seq, options: { ...base, seed: 1 } },
        {
          seq,
          options: {
            ...base,
            seed: 2,
            signal: controller.signal,
            onProgress: (e: { step: number }) => e.step === 2 && controller.abort(),
          },
        },
      ],
      layout,
      backend,
    );
    expect(backend.passes).toEqual([2, 2, 1, 1, 1, 1]);
    expect(results[1]).toMatchObject({ code: 'cancelled' });
    expect(results[0]).toMatchObject({ stepsRun: 6 });
  });
});
