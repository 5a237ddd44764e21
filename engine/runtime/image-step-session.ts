// Feeds the image-step graph: the guidance branches become one right-padded batch with a key-padding mask, so a
// single session.run per step returns only codes and confidences for the sampled cells.
import * as ort from 'onnxruntime-node';
import { EngineError } from '../api.js';
import type { ImageStepBackend, ImageStepInput, ImageStepOutput } from './image-step-backend.js';

/** Graph I/O names shared with engine/graphs/transformer.ts. */
export const IMAGE_STEP_IO = {
  inputs: ['ids', 'attn_mask', 'gather_pos', 'branch_w', 'temperature', 'noise'],
  outputs: ['codes', 'probs', 'best'],
} as const;

export interface PackedImageStep {
  feeds: Record<string, ort.Tensor>;
  rows: number;
  length: number;
  cells: number;
}

/** Packs one job's branches as [G, L] ids + mask, [G, M] gather positions, [1, G] weights, [1] τ, [1, M] noise. */
export function packImageStep(input: ImageStepInput, padId = 0): PackedImageStep {
  const rows = input.sequences.length;
  const cells = input.positions[0]?.length ?? 0;
  if (input.positions.length !== rows || input.weights.length !== rows) {
    throw new EngineError(
      'internal',
      `image step got ${rows} sequences, ${input.positions.length} position sets, ${input.weights.length} weights`,
    );
  }
  const length = Math.max(...input.sequences.map((s) => s.length));
  const ids = new BigInt64Array(rows * length).fill(BigInt(padId));
  const mask = new BigInt64Array(rows * length);
  const gather = new BigInt64Array(rows * cells);
  input.sequences.forEach((seq, r) => {
    for (let i = 0; i < seq.length; i++) {
      ids[r * length + i] = BigInt(seq[i]!);
      mask[r * length + i] = 1n;
    }
    const positions = input.positions[r]!;
    if (positions.length !== cells)
      throw new EngineError('internal', 'branches disagree on the number of cells');
    for (let i = 0; i < cells; i++) gather[r * cells + i] = BigInt(positions[i]!);
  });
  return {
    rows,
    length,
    cells,
    feeds: {
      ids: new ort.Tensor('int64', ids, [rows, length]),
      attn_mask: new ort.Tensor('int64', mask, [rows, length]),
      gather_pos: new ort.Tensor('int64', gather, [rows, cells]),
      branch_w: new ort.Tensor('float32', Float32Array.from(input.weights), [1, rows]),
      temperature: new ort.Tensor('float32', Float32Array.of(input.temperature), [1]),
      noise: new ort.Tensor('float32', input.noise, [1, cells]),
    },
  };
}

export class ImageStepSession implements ImageStepBackend {
  constructor(private readonly session: ort.InferenceSession) {}

  async step(input: ImageStepInput): Promise<ImageStepOutput> {
    const packed = packImageStep(input);
    const started = performance.now();
    const out = await this.session.run(packed.feeds, [...IMAGE_STEP_IO.outputs]);
    const forwardMs = performance.now() - started;
    const read = (name: string) => {
      const t = out[name];
      if (!t) throw new EngineError('internal', `image-step graph returned no ${name}`);
      return t.data;
    };
    return {
      codes: Int32Array.from(read('codes') as BigInt64Array, Number),
      probs: Float32Array.from(read('probs') as Float32Array),
      best: Int32Array.from(read('best') as BigInt64Array, Number),
      forwardMs,
    };
  }
}
