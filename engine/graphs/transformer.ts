// The LLaDA transformer (dimoo-inference.md §1.1) as ONNX graphs, built from the config's dimensions and the
// checkpoint's tensor names, with the per-step work the host must not do folded in (engine-design §2):
//   trunk:  wte → n × [x += attn_out(attn(rope(q), rope(k), v; key-padding mask)) on RMSNorm(x);
//                      x += ff_out(silu(ff_proj(h)) · up_proj(h)) on RMSNorm(x)] → ln_f
//   image step: hidden gathered at the sampled cells → image rows of the head only → guidance weights over the
//               branches → bf16 Gumbel-max at temperature τ, as upstream on bf16, keyed by one host uniform per
//               cell → code, confidence
//   text step:  hidden gathered at the block's positions → full-vocabulary logits, guidance-combined
// Every computation is fp32 (upstream keeps RMSNorm and RoPE in fp32; bf16/fp16 weights are cast once and
// onnxruntime folds the cast at session start), except with `half`: the linear layers' weights are then held in
// fp16 and the activations between the norms run in fp16 (q/k/v, RoPE on them as upstream rotates its bf16 q and
// k, attention, the MLP), while the residual stream, RMSNorm and the heads stay fp32; guidance, softmax and
// sampling then round to bf16 as upstream's tensors do (graphs/bf16-sampling.ts). Branches of one batch may have different lengths: they are
// right-padded and a real key-padding mask keeps padded keys out of every softmax, so a padded batch equals
// separate unpadded runs (upstream ignores its mask, but it also never batches).
// @see ML-GSAI/LLaDA modeling_llada.py: LLaDALlamaBlock, RotaryEmbedding, RMSLayerNorm
import { encodeModel } from '../onnx/graph.js';
import { imageHead, LladaGraph } from './llada-graph.js';
import { addTextBlockLoop } from './text-block-loop.js';
import {
  type ImageStepGraphOptions,
  type TextStepGraphOptions,
  TRANSFORMER_OPSET,
} from './transformer-options.js';

export { LladaBlocks } from './llada-blocks.js';
export { imageHead, LladaGraph } from './llada-graph.js';
export { LladaWeights } from './llada-weights.js';
export {
  buildMlCacheFullGraph,
  buildMlCacheStateFullGraph,
  buildMlCacheStateStepGraph,
  buildMlCacheStepGraph,
  cachedRows,
} from './ml-cache-graphs.js';
export {
  type ContribOps,
  DEFAULT_CONTRIB,
  type ImageStepGraphOptions,
  KEY_MASK_DIMS,
  type LinearForm,
  mlCacheContrib,
  type RopeTables,
  type TextStepGraphOptions,
  TRANSFORMER_OPSET,
  type TransformerDims,
  type TransformerGraphOptions,
  validateDims,
} from './transformer-options.js';

/**
 * One image sampling step for J jobs × G guidance branches (N = J·G rows, branch g of job j at row j·G + g).
 * Inputs: `ids [N, L] int64`, `attn_mask [N, L] int64` (1 = real token, right padding), `gather_pos [N, M] int64`
 * (the sampled cells of each branch), `branch_w [J, G] float` (T2I CFG [1+s, −s]; I2I [1+a+b, −a, −b]; none [1]),
 * `temperature [J] float`, `noise [J, M] float` uniforms in (0, 1).
 * Outputs: `codes [J, M] int64` (upstream's bf16 Gumbel-max, LladaGraph.sampleCells; first argmax at τ = 0),
 * `probs [J, M]` (bf16 softmax(logits)[code], no temperature, as upstream), `best [J, M] int64` (first argmax, for
 * previews), and the optional `max_logit [N, L]` / `logits [J, M, K]` (float32, before bf16 rounding).
 */
export function buildImageStepGraph(options: ImageStepGraphOptions & { maskId?: number }): Uint8Array {
  const m = new LladaGraph(options);
  imageStep(m, options);
  // With the understanding head and the MASK id, describe's block cache too (text-block-loop.ts).
  if (options.textHead && options.maskId !== undefined)
    addTextBlockLoop(m, { ...options, maskId: options.maskId });
  return encodeModel(m.g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/** The image step (buildImageStepGraph) written into `m`'s graph, its outputs' names prefixed with `prefix`. */
export function imageStep(m: LladaGraph, options: ImageStepGraphOptions, prefix = ''): void {
  const { g } = m;
  const { dModel: D } = options.dims;
  const K = options.codebookSize;
  const hidden = m.trunk();
  const gatherPos = g.input('gather_pos', 'int64', ['N', 'M']);
  const branchW = g.input('branch_w', 'float32', ['J', 'G']);
  const temperature = g.input('temperature', 'float32', ['J']);
  const noise = g.input('noise', 'float32', ['J', 'M']);

  const head = imageHead(m, options);
  const cellLogits = m.linear(m.gatherRows(hidden, gatherPos), head, K, D); // [N, M, K]
  const { codes, probs, best } = m.sampleCells(cellLogits, branchW, temperature, noise, K);

  g.output(codes, `${prefix}codes`, 'int64', ['J', 'M']);
  g.output(probs, `${prefix}probs`, 'float32', ['J', 'M']);
  g.output(best, `${prefix}best`, 'int64', ['J', 'M']);
  if (options.maxLogitOutput) {
    const all = m.linear(hidden, head, K, D); // [N, L, K]
    const maxLogit = g.op('ReduceMax', [all, g.ints([-1])], { keepdims: 0 });
    g.output(maxLogit, `${prefix}max_logit`, 'float32', ['N', 'L']);
  }
  // The model's float32 guided logits, before the sampling rounds them to bf16 as upstream's are.
  if (options.logitsOutput)
    g.output(m.combineBranches(cellLogits, branchW, K), `${prefix}logits`, 'float32', ['J', 'M', K]);
  if (options.textHead) {
    const textPos = g.input('text_pos', 'int64', ['N', 'B']);
    textHead(m, options, hidden, textPos, branchW, { logits: true, prefix: `${prefix}text_` });
  }
}

/**
 * The understanding head on the trunk's `hidden`: guidance-combined full-vocabulary logits at `positions`
 * [N, B], their argmax and its softmax probability, as outputs `<prefix>logits`, `<prefix>best`, `<prefix>best_prob`.
 */
function textHead(
  m: LladaGraph,
  options: TextStepGraphOptions,
  hidden: string,
  positions: string,
  branchW: string,
  out: { logits: boolean; prefix: string },
): void {
  const { g } = m;
  const { dModel: D, vocabSize: V } = options.dims;
  const head = m.matrix(m.headName(), [V, D]);
  const logits = m.combineBranches(m.linear(m.gatherRows(hidden, positions), head, V, D), branchW, V);
  const best = g.op('ArgMax', [logits], { axis: -1, keepdims: 0 });
  if (out.logits) g.output(logits, `${out.prefix}logits`, 'float32', ['J', 'B', V]);
  g.output(best, `${out.prefix}best`, 'int64', ['J', 'B']);
  g.output(m.softmaxAt(logits, best), `${out.prefix}best_prob`, 'float32', ['J', 'B']);
}

/**
 * One understanding step: `ids`, `attn_mask` as above, `gather_pos [N, B] int64` (the block's positions),
 * `branch_w [J, G]`. Outputs `logits [J, B, V]` (full vocabulary, guidance-combined; the host samples at τ > 0;
 * left out with `logitsOutput: false`), and `best [J, B] int64` with `best_prob [J, B]` = softmax(logits)[best]
 * (float32 here; upstream takes this softmax in float64), which is all the host needs at τ = 0.
 */
export function buildTextStepGraph(options: TextStepGraphOptions): Uint8Array {
  const m = new LladaGraph(options);
  const { g } = m;
  const hidden = m.trunk();
  const gatherPos = g.input('gather_pos', 'int64', ['N', 'B']);
  const branchW = g.input('branch_w', 'float32', ['J', 'G']);
  textHead(m, options, hidden, gatherPos, branchW, { logits: options.logitsOutput ?? true, prefix: '' });
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}
