// What a checkpoint folder holds and what it needs, without loading it (`dimoo check-model`): after a 16 GB download,
// whether the folder is complete and which card it fits, in seconds. Reads what the engine reads at start (config,
// safetensors headers, tokenizer, VQ config), builds the transformer's and the VQ's graphs (which looks up every
// tensor they use, with its shape) but opens no session and reads no weight, and estimates device memory for each
// way of running it.
import { statSync } from 'node:fs';
import { relative } from 'node:path';
import type { EngineInfo, WeightQuant } from './api.js';
import { type Checkpoint, checkpointDims, loadCheckpoint } from './checkpoint/load.js';
import { imageGraphOptions, vqWeightOptions } from './graphs/from-checkpoint.js';
import { buildImageStepGraph } from './graphs/transformer.js';
import { buildVqDecoder, buildVqEncoder } from './graphs/vq.js';
import { largestSquareSide, type MemoryModel, requestMemory, sessionWeightBytes } from './memory.js';

/** One way of running the model: where, in which precision, with which weights. */
export interface RunOption {
  device: 'cuda' | 'cpu';
  precision: 'fp16' | 'fp32';
  quant: WeightQuant;
}

/** The ways `dimoo check-model` prices: the GPU's four (README's memory table) and the CPU's two. */
export const RUN_OPTIONS: readonly RunOption[] = [
  { device: 'cuda', precision: 'fp32', quant: 'none' },
  { device: 'cuda', precision: 'fp16', quant: 'none' },
  { device: 'cuda', precision: 'fp16', quant: 'int8' },
  { device: 'cuda', precision: 'fp16', quant: 'int4' },
  { device: 'cpu', precision: 'fp32', quant: 'none' },
  { device: 'cpu', precision: 'fp32', quant: 'int4' },
];

export interface MemoryRow extends RunOption {
  /** Bytes of the one session's weights. */
  weights: number;
  /** Bytes one 1024² text-to-image needs, without and with ML-Cache. */
  image1024: number;
  image1024MlCache: number;
  /** With a budget: the largest square side that fits without ML-Cache (undefined: not even the smallest). */
  largestSquare?: number;
}

export interface CheckpointReport {
  dir: string;
  dtype: Checkpoint['dtype'];
  dims: EngineInfo['dims'];
  /** The weight files (relative to `dir`), with their sizes, transformer first, then the VQ's. */
  files: Array<{ file: string; bytes: number }>;
  tensors: number;
  vq: { codebookSize: number; scaleFactor: number };
  layout: { mask: number; imageCodeOffset: number };
  memory: MemoryRow[];
  budget?: number;
}

/**
 * Checks the folder as the engine would at start and prices every RUN_OPTIONS row; `budget` (bytes) adds the
 * largest square each fits. Throws the engine's own `checkpoint_missing` / `checkpoint_invalid` errors, naming the
 * file or tensor.
 */
export async function inspectCheckpoint(
  modelDir: string,
  options: { budget?: number } = {},
): Promise<CheckpointReport> {
  const checkpoint = await loadCheckpoint(modelDir);
  buildImageStepGraph({ ...imageGraphOptions(checkpoint), textHead: true });
  const vqOptions = vqWeightOptions(checkpoint);
  buildVqEncoder(checkpoint.vq.config, vqOptions);
  buildVqDecoder(checkpoint.vq.config, vqOptions);

  const { layout } = checkpoint;
  const dims = checkpointDims(checkpoint);
  const refs = [...checkpoint.weights.values(), ...checkpoint.vq.refs.values()];
  const files = [...new Set(refs.map((ref) => ref.file))].map((file) => ({
    file: relative(checkpoint.dir, file),
    bytes: statSync(file).size,
  }));
  const image = { task: 'text_to_image', prompt: '', width: 1024, height: 1024 } as const;
  const memory = RUN_OPTIONS.map((run): MemoryRow => {
    const model: MemoryModel = { dims, ...run };
    return {
      ...run,
      weights: sessionWeightBytes(model),
      image1024: requestMemory(model, [image]).total,
      image1024MlCache: requestMemory(model, [{ ...image, cache: true }]).total,
      ...(options.budget === undefined ? {} : { largestSquare: largestSquareSide(model, options.budget) }),
    };
  });
  return {
    dir: checkpoint.dir,
    dtype: checkpoint.dtype,
    dims,
    files,
    tensors: checkpoint.weights.size + checkpoint.vq.refs.size,
    vq: { codebookSize: checkpoint.vq.config.codebookSize, scaleFactor: checkpoint.vq.config.scaleFactor },
    layout: { mask: layout.mask, imageCodeOffset: layout.imageCodeOffset },
    memory,
    ...(options.budget === undefined ? {} : { budget: options.budget }),
  };
}
