// Reads a Lumina-DiMOO checkpoint folder as published: config.json, model(.safetensors | -*.safetensors + index),
// tokenizer.json + tokenizer_config.json, vqvae/ (engine/checkpoint/vqvae.ts), and optionally dimoo_layout.json.
// Only headers and small JSON files are read; weights stay in place.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { EngineError, type EngineInfo } from '../api.js';
import { textToImagePrompt, UNCONDITION } from '../prompts.js';
import { externalDataRoot, type WeightRef } from '../runtime/external-data.js';
import { type ModelConfig, parseModelConfig } from './config.js';
import { readCheckpointJson, refuseUnreachable } from './files.js';
import { loadTokenLayout, type TokenLayout } from './layout.js';
import { readWeightIndex } from './safetensors.js';
import { CheckpointTokenizer } from './tokenizer.js';
import { readVqCheckpoint, type VqCheckpoint } from './vqvae.js';

export interface Checkpoint {
  dir: string;
  config: ModelConfig;
  layout: TokenLayout;
  /** The transformer weights' stored type (they are cast to float32 inside the graphs). */
  dtype: 'bf16' | 'fp16' | 'fp32';
  weights: Map<string, WeightRef>;
  /**
   * The folder the transformer's external data is relative to: the real folder all its weight files lie under.
   * Not `dir` itself, which in a Hugging Face cache snapshot holds only symlinks into `../../blobs/`, and
   * onnxruntime refuses a weight whose resolved path leaves the folder (engine/runtime/external-data.ts).
   */
  weightsFolder: string;
  /** `vqvae/`: its config, weights (one file, an fp16 variant or shards with an index) and external-data root. */
  vq: VqCheckpoint;
  tokenizer: CheckpointTokenizer;
}

/**
 * `file` absent from the checkpoint folder, named with the folder as the user gave it (`--model`, MODEL_DIR), and
 * where that was relative, as it resolved: a mistyped or relative path is seen at once, not looked for.
 */
function missing(given: string, dir: string, file: string, what: string): EngineError {
  const folder = isAbsolute(given) ? given : `${given} (${dir})`;
  return new EngineError('checkpoint_missing', `${file} is missing from ${folder}: ${what}`, {
    detail: `${file} is missing (${what})`,
  });
}

function readJson(given: string, dir: string, file: string, what: string): unknown {
  const path = join(dir, file);
  if (!existsSync(path)) {
    refuseUnreachable(path, file);
    throw missing(given, dir, file, what);
  }
  // A folder in its place (EISDIR) or no permission: named, as a broken file is.
  return readCheckpointJson(path, file);
}

/**
 * Every transformer tensor the config implies, with the shape it must have (nn.Linear stores [out, in]). Yielded
 * one by one: a list of them all for `"n_layers": 1e9` filled the heap before the first missing block was named.
 */
export function* expectedTransformerShapes(c: ModelConfig): Generator<[string, number[]]> {
  const kv = (c.dModel / c.nHeads) * c.nKvHeads;
  const p = 'model.transformer';
  yield [`${p}.wte.weight`, [c.vocabSize, c.dModel]];
  for (let i = 0; i < c.nLayers; i++) {
    const b = `${p}.blocks.${i}`;
    yield* [
      [`${b}.attn_norm.weight`, [c.dModel]],
      [`${b}.q_proj.weight`, [c.dModel, c.dModel]],
      [`${b}.k_proj.weight`, [kv, c.dModel]],
      [`${b}.v_proj.weight`, [kv, c.dModel]],
      [`${b}.attn_out.weight`, [c.dModel, c.dModel]],
      [`${b}.ff_norm.weight`, [c.dModel]],
      [`${b}.ff_proj.weight`, [c.mlpHidden, c.dModel]],
      [`${b}.up_proj.weight`, [c.mlpHidden, c.dModel]],
      [`${b}.ff_out.weight`, [c.dModel, c.mlpHidden]],
    ] satisfies Array<[string, number[]]>;
  }
  yield [`${p}.ln_f.weight`, [c.dModel]];
  if (!c.weightTying) yield [`${p}.ff_out.weight`, [c.vocabSize, c.dModel]];
}

function checkShapes(weights: Map<string, WeightRef>, expected: Iterable<[string, number[]]>): void {
  for (const [name, shape] of expected) {
    const ref = weights.get(name);
    if (!ref) {
      throw new EngineError('checkpoint_invalid', `tensor ${name} is missing from the model weights`, {
        detail: `tensor ${name} is missing from the model's safetensors`,
      });
    }
    if (ref.shape.length !== shape.length || ref.shape.some((d, i) => d !== shape[i])) {
      const detail = `${ref.file.split('/').pop()}: tensor ${name} has shape [${ref.shape}], config.json implies [${shape}]`;
      throw new EngineError('checkpoint_invalid', detail, { detail });
    }
    if (!['F32', 'F16', 'BF16'].includes(ref.dtype)) {
      const detail = `tensor ${name} is ${ref.dtype}; the engine reads F32, F16 and BF16`;
      throw new EngineError('checkpoint_invalid', detail, { detail });
    }
  }
}

/** The dimensions the engine reports and prices memory by (EngineInfo.dims). */
export function checkpointDims({ config, layout }: Checkpoint): EngineInfo['dims'] {
  return {
    dModel: config.dModel,
    nLayers: config.nLayers,
    nHeads: config.nHeads,
    nKvHeads: config.nKvHeads,
    mlpHidden: config.mlpHidden,
    vocabSize: config.vocabSize,
    codebookSize: layout.codebookSize,
  };
}

export async function loadCheckpoint(modelDir: string): Promise<Checkpoint> {
  const dir = resolve(modelDir);
  if (!existsSync(dir)) {
    refuseUnreachable(dir, dir);
    throw new EngineError('checkpoint_missing', `the checkpoint folder ${dir} does not exist`, {
      detail: `the folder ${dir} does not exist`,
    });
  }
  // A weight file given for the folder (`--model …/model.safetensors`) read "config.json is missing".
  if (!statSync(dir).isDirectory()) {
    const detail = `${dir} is a file; the checkpoint is the folder that holds config.json`;
    throw new EngineError('checkpoint_missing', detail, { detail });
  }
  const config = parseModelConfig(readJson(modelDir, dir, 'config.json', 'the model configuration'));
  // The loader the VQ graphs need: one file, diffusers' fp16 variant, or shards named by an index.
  const vq = readVqCheckpoint(dir);
  const weights = readWeightIndex(dir);
  checkShapes(weights, expectedTransformerShapes(config));
  const weightsFolder = externalDataRoot(new Set([...weights.values()].map((ref) => ref.file)));
  const layout = loadTokenLayout(dir, config.vocabSize, vq.config.codebookSize);
  const tokenizer = CheckpointTokenizer.load(dir, config.vocabSize);
  // Every prompt is this turn around the user's text: its tags' ids are checked here, so `dimoo check-model` and
  // the start name a tokenizer the model cannot read, not the first request.
  const unconditioned = tokenizer.encode(textToImagePrompt('').uncond);
  // Without it as one token, guidance pushed away from the letters of "<uncondition>": noise, and no error.
  const uncondition = tokenizer.tokenId(UNCONDITION);
  if (uncondition === undefined || !unconditioned.includes(uncondition)) {
    const detail = `tokenizer.json has no ${UNCONDITION} token, which classifier-free guidance needs`;
    throw new EngineError('checkpoint_invalid', detail, { detail });
  }
  const stored = weights.get('model.transformer.wte.weight')?.dtype ?? 'F32';
  const dtype = stored === 'BF16' ? 'bf16' : stored === 'F16' ? 'fp16' : 'fp32';
  return {
    dir,
    config,
    layout,
    dtype,
    weights,
    weightsFolder,
    vq,
    tokenizer,
  };
}
