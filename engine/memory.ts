// Device memory a request needs, estimated before it runs (issue #12): the weights of every session it uses, the
// K/V and logit caches of ML-Cache, and the largest transient activations of one forward pass. onnxruntime's arena
// keeps what it once allocated, so a measured peak is higher than this need; the estimate is for refusing
// requests that cannot fit, with a message, instead of running into an out-of-memory crash halfway.
import { EngineError, type EngineInfo, type EngineRequest, type WeightQuant } from './api.js';
import { decodesWithBlockCache, drawsWithMlCache, forwardShape } from './cost.js';
// One scale (in the activation type) per block of QUANT_BLOCK weights along K.
import { QUANT_BLOCK } from './graphs/quantize.js';
import { LIMITS } from './tasks/context.js';

export interface MemoryModel {
  dims: EngineInfo['dims'];
  device: 'cuda' | 'cpu';
  precision: 'fp16' | 'fp32';
  quant: WeightQuant;
  /**
   * 'shared' (the default): ML-Cache runs in the drawing session's interval branch (engine/graphs/drawing-graph.ts)
   * and costs only its caches. 'separate': the comparison paths (per-step, in-graph) open their own sessions, with
   * a second copy of the weights.
   */
  mlCacheWeights?: 'shared' | 'separate';
}

export interface MemoryNeed {
  weights: number;
  caches: number;
  activations: number;
  total: number;
}

/**
 * Whether a separate ML-Cache session (with its own copy of the weights: MemoryModel.mlCacheWeights 'separate')
 * is open, or will be for the request. Describing and the shared ML-Cache run in the drawing session.
 */
export interface OpenSessions {
  mlCache: boolean;
}

/** The CUDA context, cuBLAS/cuDNN workspaces and onnxruntime's own buffers, before any tensor. */
const CUDA_RUNTIME_BYTES = 768 * 2 ** 20;

/** Bytes of one transformer session's weights: the block linears as configured, the embedding fp32, the head as the linears' type. */
export function sessionWeightBytes(model: MemoryModel): number {
  const { dModel: d, nLayers, nHeads, nKvHeads, mlpHidden: m, vocabSize } = model.dims;
  const kvWidth = nKvHeads * (d / nHeads);
  const linearsPerLayer = 2 * d * d + 2 * d * kvWidth + 3 * d * m;
  const activationBytes = model.precision === 'fp16' ? 2 : 4;
  const perWeight =
    model.quant === 'int8'
      ? 1 + activationBytes / QUANT_BLOCK
      : model.quant === 'int4'
        ? 0.5 + activationBytes / QUANT_BLOCK
        : activationBytes;
  const norms = (2 * nLayers + 1) * d * 4;
  return nLayers * linearsPerLayer * perWeight + vocabSize * d * 4 + vocabSize * d * activationBytes + norms;
}

/**
 * Bytes the image head holds per element of its [J, M, K] tensors (J jobs, M cells, K codes) with `branches`
 * guidance branches (LladaGraph.sampleCells, graphs/bf16-sampling.ts). Its largest transient is the code-noise
 * hash: three int64 tensors at once (y, y², a product: 24 B). What lives beside it depends on the order
 * onnxruntime runs the head in: the linear's float32 logits of every branch (4 B each), or the bf16-rounded guided
 * logits and their 1/τ-scaled copy (float32, 8 B). The guidance (those logits and their bf16 copy, 6 B a branch,
 * then its fold) and the Gumbel lookup (an int32 index and float32 values) hold less. On the CPU the head measured
 * 24 B planned, 30 B peak RSS without the arena and 38–40 B with it (onnxruntime's arena keeps freed blocks): the
 * estimate takes what the arena held (6 B over the plan), since a refusal is cheap and an out-of-memory crash is not.
 */
export function imageHeadBytes(branches: number): number {
  return 30 + Math.max(4 * branches, 8);
}

/** What the given requests need when run together (one batch shares every forward pass). */
export function requestMemory(
  model: MemoryModel,
  requests: readonly EngineRequest[],
  open: OpenSessions = { mlCache: false },
): MemoryNeed {
  const { dModel: d, nLayers, nHeads, nKvHeads, mlpHidden: m, vocabSize, codebookSize } = model.dims;
  const kvWidth = nKvHeads * (d / nHeads);
  const a = model.precision === 'fp16' ? 2 : 4;
  const shapes = requests.map(forwardShape);
  const rows = shapes.reduce((sum, s) => sum + s.rows, 0);
  const length = Math.max(0, ...shapes.map((s) => s.length));
  const usesMlCache = open.mlCache || requests.some(drawsWithMlCache);
  const sessions = 1 + Number(usesMlCache && model.mlCacheWeights === 'separate');
  const weights = sessions * sessionWeightBytes(model);

  // ML-Cache keeps every layer's K and V for all rows (in the activation type: fp16 on the GPU's graph) and the
  // last logits of every image cell (fp32).
  let caches = 0;
  for (const [i, request] of requests.entries()) {
    if (!drawsWithMlCache(request) && !decodesWithBlockCache(request)) continue;
    const shape = shapes[i] as (typeof shapes)[number];
    const kv = nLayers * shape.rows * shape.length * kvWidth * 2 * a;
    // Understanding's block cache has no logit cache, but a step holds its caches twice: carried in, and with the
    // block's rows written (text-block-loop.ts).
    caches += request.task === 'understand' ? 2 * kv : kv + shape.rows * shape.scored * codebookSize * 4;
  }

  // One layer at its widest (the residual stream in fp32, Q/K/V and the attention output, the MLP's three
  // [rows, L, hidden] products, and on the CPU the [rows, heads, L, L] scores that CUDA's fused kernel never
  // forms), plus the head over the scored positions: the text head's logits, probabilities and sampling buffers
  // (3 float32 per row, position and token), the image head's sampling (imageHeadBytes).
  const residual = 3 * rows * length * d * 4;
  const attention = rows * length * (2 * d + 2 * kvWidth) * a;
  const scores = model.device === 'cpu' ? rows * nHeads * length * length * 4 : 0;
  const mlp = 3 * rows * length * m * a;
  const head = requests.reduce((sum, request, i) => {
    const s = shapes[i] as (typeof shapes)[number];
    if (s.classes === 'vocab') return sum + 3 * s.rows * s.scored * vocabSize * 4;
    const jobs = request.task === 'text_to_image' ? (request.count ?? 1) : 1;
    return sum + jobs * s.scored * codebookSize * imageHeadBytes(s.rows / jobs);
  }, 0);
  const activations = residual + attention + scores + mlp + head;
  const runtime = model.device === 'cuda' ? CUDA_RUNTIME_BYTES : 0;
  return { weights, caches, activations, total: weights + caches + activations + runtime };
}

export function gigabytes(bytes: number): string {
  const gb = bytes / 1e9;
  return gb >= 10 ? gb.toFixed(0) : gb >= 0.1 ? gb.toFixed(1) : gb.toFixed(3);
}

/** Refuses requests whose need is over the budget: `device_memory`, naming both figures. */
export function checkDeviceMemory(
  model: MemoryModel,
  budget: number,
  requests: readonly EngineRequest[],
  open?: OpenSessions,
): void {
  const need = requestMemory(model, requests, open);
  if (need.total <= budget) return;
  // Bytes: each language writes the sizes its own way (src/i18n.ts formatBytes).
  const params = { needBytes: need.total, budgetBytes: budget };
  throw new EngineError(
    'device_memory',
    `the request needs about ${gigabytes(need.total)} GB of device memory (weights ${gigabytes(need.weights)} GB, caches ${gigabytes(need.caches)} GB, activations ${gigabytes(need.activations)} GB); the budget is ${gigabytes(budget)} GB`,
    params,
  );
}

/**
 * The request to run within the budget: `request` itself, or, when only its ML-Cache is over the budget (its K/V
 * caches, and a separate session's weights), the same request without its cache: slower, never refused for it.
 * Throws `device_memory` when even that does not fit.
 */
export function fitDeviceMemory(
  model: MemoryModel,
  budget: number,
  request: EngineRequest,
  open?: OpenSessions,
): EngineRequest {
  try {
    checkDeviceMemory(model, budget, [request], open);
    return request;
  } catch (error) {
    if (request.task === 'image_to_image' || !request.cache) throw error;
    const plain: EngineRequest = { ...request, cache: false };
    checkDeviceMemory(model, budget, [plain], open);
    return plain;
  }
}

/** The largest square text-to-image side (a multiple of 16) that fits the budget without ML-Cache, if any. */
export function largestSquareSide(model: MemoryModel, budget: number): number | undefined {
  let best: number | undefined;
  for (let side = 16; side <= LIMITS.maxSide; side += 16) {
    const request: EngineRequest = { task: 'text_to_image', prompt: '', width: side, height: side };
    if (requestMemory(model, [request]).total > budget) break;
    best = side;
  }
  return best;
}
