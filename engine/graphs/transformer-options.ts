// The transformer graphs' options and the checks they share: the config's dimensions, how linears and fused ops
// are expressed, precision and quantization, and the checkpoint tensor names every graph module reads.
import { EngineError } from '../api.js';
import type { WeightRef } from '../runtime/external-data.js';
import type { QuantizedRef } from '../runtime/quantized-weights.js';

export const TRANSFORMER_OPSET = 21;

/** The transformer's shape, from the checkpoint's config.json (LLaDA keys in brackets). */
export interface TransformerDims {
  dModel: number; // d_model
  nLayers: number; // n_layers
  nHeads: number; // n_heads
  nKvHeads: number; // n_kv_heads
  mlpHidden: number; // mlp_hidden_size
  vocabSize: number; // rows of wte and of the head (embedding_size, else vocab_size)
  ropeTheta: number; // rope_theta
  rmsNormEps: number; // rms_norm_eps
  weightTying: boolean; // weight_tying: the head is wte
}

/**
 * How `x · Wᵀ` is expressed for nn.Linear weights stored [out, in] (default 'gemm': same speed as the others on
 * CPU, and no transposed copy of the weights held next to the originals; bench/transformer.ts):
 * 'transpose': MatMul against a Transpose of the initializer (onnxruntime folds it at load, one extra copy);
 * 'gemm': Gemm with transB on the rows flattened to 2-D; 'fused': com.microsoft FusedMatMul with transB.
 */
export type LinearForm = 'transpose' | 'gemm' | 'fused';

/**
 * onnxruntime's fused forms: `norm` SimplifiedLayerNormalization (RMSNorm), `rope` com.microsoft RotaryEmbedding,
 * `attention` com.microsoft MultiHeadAttention with a key-padding mask (plain MHA only: grouped K/V heads keep the
 * plain form). All on by default: parity-tested like the plain ops, 2–9% faster on CPU (bench/transformer.ts),
 * and on CUDA MultiHeadAttention runs fused kernels instead of materialising [N, H, L, L] scores per layer.
 * Pass `{}` for plain ONNX ops only.
 */
export interface ContribOps {
  norm?: boolean;
  rope?: boolean;
  attention?: boolean;
  /**
   * How MultiHeadAttention keeps padded keys out (rows are right-padded):
   * 'input' (default) its key_padding_mask [N, L], which the CPU kernels take but which sends onnxruntime's CUDA
   * kernel to unfused attention (an [N, H, L, L] score tensor per layer: 3.9 ms a layer at 1024² on an H200);
   * 'lengths' the key lengths [N] (mask type 1D_KEY_SEQ_LEN), which CUDA runs with cuDNN's fused SDPA (0.9 ms);
   * 'heads' 8 extra head dimensions (queries 1, keys 0 or −60000, values 0), so the flash kernel runs unmasked and
   * a padded key still gets exactly zero weight (1.4 ms; any provider with MultiHeadAttention).
   */
  attentionMask?: 'input' | 'lengths' | 'heads';
}

/** The fused forms a graph gets when its options name none. */
export const DEFAULT_CONTRIB: Readonly<ContribOps> = { norm: true, rope: true, attention: true };

/**
 * The fused forms of the ML-Cache graphs: the options' (or the defaults), but RoPE stays plain ops, because the
 * cached step rotates its rows at absolute positions (LladaBlocks.ropeAt), which the plain tables take.
 */
export function mlCacheContrib(options: TransformerGraphOptions): ContribOps {
  return { ...(options.contrib ?? DEFAULT_CONTRIB), rope: false };
}

/** The head dimensions 'heads' adds: one carries the key's mask bias, the rest keep the size a multiple of 8. */
export const KEY_MASK_DIMS = 8;
/** The masked keys' bias in the 'heads' form: exact in fp16, and its score (×1/√hs) underflows exp to 0. */
export const KEY_MASK_BIAS = -60000;

export interface TransformerGraphOptions {
  dims: TransformerDims;
  /** Looks a tensor up by its published name, e.g. `model.transformer.blocks.0.q_proj.weight`. */
  weight: (name: string) => WeightRef;
  /** The folder external-data locations are relative to (engine/runtime/external-data.ts). */
  folder: string;
  linear?: LinearForm;
  contrib?: ContribOps;
  /** fp16 weights and fp16 products for the linear layers and fused attention (the GPU's precision). */
  half?: boolean;
  /**
   * Weight-only quantized blocks: each layer's seven linear weights found here run as com.microsoft MatMulNBits
   * (engine/graphs/quantize.ts); embeddings, norms and the head keep their precision. `accuracyLevel` 4 lets the
   * CPU multiply in int8 (MatMulNBits' accuracy_level).
   */
  quant?: { weights: (name: string) => QuantizedRef | undefined; accuracyLevel?: number };
}

export interface ImageStepGraphOptions extends TransformerGraphOptions {
  /** Head row of VQ code 0 (DiMOO: 126356) and the codebook size K (8192). */
  imageCodeOffset: number;
  codebookSize: number;
  /** Extra output `max_logit [N, L]`: the largest image-slice logit at every position (ML-Cache selection). */
  maxLogitOutput?: boolean;
  /** Extra output `logits [J, M, K]`: the guidance-combined image-slice logits (parity checks only). */
  logitsOutput?: boolean;
  /**
   * The understanding head beside the image head, on the same trunk and weights: input `text_pos [N, B]`, outputs
   * `text_logits [J, B, V]`, `text_best`, `text_best_prob` (the text step's, renamed). One session then serves
   * both tasks, so describing never loads a second copy of the 8B weights; each run feeds the other head one
   * position, which costs one row.
   */
  textHead?: boolean;
}

export interface TextStepGraphOptions extends TransformerGraphOptions {
  /** Return `logits [J, B, V]` (needed to sample at τ > 0); false keeps only best/best_prob (greedy decoding). */
  logitsOutput?: boolean;
}

/** The half graphs' float32 [] input that scales the MLP (llada-blocks.ts blockTail, runtime/overflow-guard.ts). */
export const MLP_SCALE_INPUT = 'mlp_scale';

/** Where the published checkpoint keeps the transformer's tensors. */
export const PREFIX = 'model.transformer';
/** Added to the scores of padded keys: exp(−1e9 + s − max) is exactly 0 in float32. */
export const MASKED_SCORE = -1e9;

export function invalid(detail: string, params: Record<string, string | number> = {}): EngineError {
  return new EngineError('checkpoint_invalid', detail, { detail, ...params });
}

/** Checks the dimensions a graph can be built from; one clear error for the first thing wrong. */
export function validateDims(dims: TransformerDims): void {
  const positive = ['dModel', 'nLayers', 'nHeads', 'nKvHeads', 'mlpHidden', 'vocabSize'] as const;
  for (const key of positive) {
    const v = dims[key];
    if (!Number.isInteger(v) || v <= 0) throw invalid(`config: ${key} must be a positive integer, got ${v}`);
  }
  if (dims.dModel % dims.nHeads !== 0)
    throw invalid(`config: d_model ${dims.dModel} is not a multiple of n_heads ${dims.nHeads}`);
  if ((dims.dModel / dims.nHeads) % 2 !== 0)
    throw invalid(`config: head size ${dims.dModel / dims.nHeads} must be even for rotary embeddings`);
  if (dims.nHeads % dims.nKvHeads !== 0)
    throw invalid(`config: n_heads ${dims.nHeads} is not a multiple of n_kv_heads ${dims.nKvHeads}`);
  if (!(dims.ropeTheta > 0)) throw invalid(`config: rope_theta must be positive, got ${dims.ropeTheta}`);
  if (!(dims.rmsNormEps > 0)) throw invalid(`config: rms_norm_eps must be positive, got ${dims.rmsNormEps}`);
}

export interface RopeTables {
  cos: string;
  sin: string;
}
