// Test double: the image-step graph over a random tiny LLaDA checkpoint (random-llada.ts), and one guided step
// that samples 8 cells of two 24-token rows, for tests that compare graph variants on the CPU provider.
import { readSafetensorsHeader } from '../../engine/checkpoint/safetensors.js';
import type { ImageStepGraphOptions } from '../../engine/graphs/transformer.js';
import type { ImageStepInput } from '../../engine/runtime/image-step.js';
import { TINY_DIMS } from './random-llada.js';

/** The fp32 image-step graph's options (logits output on) over the checkpoint `file` in `folder`. */
export function tinyImageStepOptions(file: string, folder: string): ImageStepGraphOptions {
  const refs = readSafetensorsHeader(file);
  return {
    dims: TINY_DIMS,
    weight: (n) => {
      const ref = refs.get(n);
      if (!ref) throw new Error(`no tensor ${n}`);
      return ref;
    },
    folder,
    imageCodeOffset: 200,
    codebookSize: 64,
    logitsOutput: true,
  };
}

export const TINY_STEP = { L: 24, M: 8 } as const;

/** One guided step (weights 5, −4) at τ = 0 over two unpadded rows; `change` overrides fields. */
export function tinyStepInput(change: Partial<ImageStepInput> = {}): ImageStepInput {
  const { L, M } = TINY_STEP;
  return {
    ids: BigInt64Array.from({ length: 2 * L }, (_, i) => BigInt((i * 37 + 11) % TINY_DIMS.vocabSize)),
    attnMask: new BigInt64Array(2 * L).fill(1n),
    gatherPos: BigInt64Array.from({ length: 2 * M }, (_, i) => BigInt((i * 3) % L)),
    branchW: Float32Array.from([5, -4]),
    temperature: Float32Array.from([0]),
    noise: new Float32Array(M).fill(0.5),
    J: 1,
    G: 2,
    L,
    M,
    ...change,
  };
}
