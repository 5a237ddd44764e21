// The graph builders' inputs from a loaded checkpoint: its dimensions, its weights by published name, the folder
// external data is relative to, and the head rows of the image codes.
import { EngineError } from '../api.js';
import type { Checkpoint } from '../checkpoint/load.js';
import type { WeightRef } from '../runtime/external-data.js';
import {
  type ContribOps,
  DEFAULT_CONTRIB,
  type ImageStepGraphOptions,
  type TransformerGraphOptions,
} from './transformer.js';

/** Weights by name; a missing one is a checkpoint_invalid error naming it and where it was looked for. */
export function weightLookup(
  weights: ReadonlyMap<string, WeightRef>,
  where: string,
): (name: string) => WeightRef {
  return (name) => {
    const ref = weights.get(name);
    if (!ref) {
      const detail = `tensor ${name} is missing from ${where}`;
      throw new EngineError('checkpoint_invalid', detail, { detail });
    }
    return ref;
  };
}

/**
 * The VQ graphs' weights by name and the folder their external data is relative to: the real folder of the weight
 * files (a cache snapshot's `blobs/`), never the checkpoint folder of symlinks.
 */
export function vqWeightOptions(checkpoint: Checkpoint): {
  weight: (name: string) => WeightRef;
  folder: string;
} {
  return { weight: checkpoint.vq.weight, folder: checkpoint.vq.folder };
}

/**
 * The graph options of `checkpoint`: fp16 under `half` (the GPU's graph), where attention takes key lengths unless
 * `attentionMask` says otherwise, so onnxruntime's CUDA provider runs a fused kernel (ContribOps).
 */
export function transformerGraphOptions(
  checkpoint: Checkpoint,
  half = false,
  attentionMask?: ContribOps['attentionMask'],
): TransformerGraphOptions {
  return {
    dims: checkpoint.config,
    weight: weightLookup(checkpoint.weights, 'the model weights'),
    // The weights' real folder, as for the VQ (vqWeightOptions).
    folder: checkpoint.weightsFolder,
    half,
    contrib: { ...DEFAULT_CONTRIB, attentionMask: attentionMask ?? (half ? 'lengths' : 'input') },
  };
}

export function imageGraphOptions(
  checkpoint: Checkpoint,
  half = false,
  attentionMask?: ContribOps['attentionMask'],
): ImageStepGraphOptions {
  return {
    ...transformerGraphOptions(checkpoint, half, attentionMask),
    imageCodeOffset: checkpoint.layout.imageCodeOffset,
    codebookSize: checkpoint.layout.codebookSize,
  };
}
