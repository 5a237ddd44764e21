import { describe, expect, it } from 'vitest';
import { applyImageStep } from '../../../engine/sampling/image-step.js';
import { DIMOO_TOKEN_LAYOUT as L } from '../../../engine/sampling/layout-type.js';
import { uniformsF32 } from '../../../engine/sampling/rng.js';
import { unmaskCounts } from '../../../engine/sampling/schedule.js';
import {
  type ImageGenerationSequence,
  maskedCellPositions,
  paintSequence,
  readImageCodes,
  textToImageSequence,
} from '../../../engine/sequence.js';
import { CharTokenizer } from '../../doubles/char-tokenizer.js';

const ctx = { tokenizer: new CharTokenizer(L), layout: L };

/**
 * Runs the host side of the loop against a stand-in for the graph: codes are a function of the position and the
 * step, confidences come from a fixed stream, so only the loop's own logic decides the outcome.
 */
function run(seq: ImageGenerationSequence, steps: number, temperature: number, seed: number) {
  const x = seq.ids.slice();
  let masked = maskedCellPositions(seq, x, L);
  const initialMasked = masked.length;
  const committed: number[] = [];
  for (let step = 0; step < steps && masked.length > 0; step++) {
    const codes = masked.map((p) => (p * 31 + step * 7) % L.codebookSize);
    const probs = uniformsF32(999, step, 7, masked.length);
    const result = applyImageStep(
      x,
      masked,
      codes,
      probs,
      { step, totalSteps: steps, initialMasked, temperature, seed },
      L,
    );
    committed.push(result.committed);
    masked = result.masked;
    expect(Array.from(masked)).toEqual(Array.from(maskedCellPositions(seq, x, L)));
  }
  return { x, committed, masked };
}

describe('image loop step', () => {
  const seq = textToImageSequence(ctx, 'a cat', { rows: 8, cols: 8 });

  it('commits per the schedule and everything by the last step', () => {
    const { x, committed, masked } = run(seq, 16, 1, 5);
    expect(committed).toEqual(unmaskCounts(64, 16));
    expect(masked).toHaveLength(0);
    expect(readImageCodes(seq, x, L).codes).toHaveLength(64);
  });

  it('is reproducible from the seed and changes with it', () => {
    const a = run(seq, 16, 1, 5).x;
    expect(Array.from(run(seq, 16, 1, 5).x)).toEqual(Array.from(a));
    expect(Array.from(run(seq, 16, 1, 6).x)).not.toEqual(Array.from(a));
  });

  it('at temperature 0 ignores the seed', () => {
    expect(Array.from(run(seq, 16, 0, 1).x)).toEqual(Array.from(run(seq, 16, 0, 2).x));
  });

  it('never changes kept cells or any non-cell token when painting', () => {
    const image = { rows: 4, cols: 4, codes: Int32Array.from({ length: 16 }, (_, i) => i * 100) };
    const regenerate = Uint8Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const paint = paintSequence(ctx, 'x', image, regenerate);
    const { x } = run(paint, 8, 1, 3);
    const out = readImageCodes(paint, x, L);
    for (let cell = 0; cell < 16; cell++) {
      if (!regenerate[cell]) expect(out.codes[cell]).toBe(image.codes[cell]);
    }
    const cells = new Set(paint.cellPositions);
    paint.ids.forEach((id, p) => {
      if (!cells.has(p)) expect(x[p]).toBe(id);
    });
  });

  it('refuses mismatched graph outputs and codes outside the codebook', () => {
    const x = seq.ids.slice();
    const masked = maskedCellPositions(seq, x, L);
    const step = { step: 0, totalSteps: 4, initialMasked: 64, temperature: 0, seed: 0 };
    expect(() => applyImageStep(x, masked, new Int32Array(3), new Float32Array(64), step, L)).toThrow(
      /expected 64/,
    );
    expect(() =>
      applyImageStep(x, masked, new Int32Array(64).fill(8192), new Float32Array(64), step, L),
    ).toThrow(/outside the codebook/);
  });
});
