// The ML-Cache graphs (dimoo-inference.md §4.4) for the per-step and state-in-graph paths: a full forward that
// fills the caches and a cached forward over the selected rows, with the caches on the host or handed back as
// outputs. The refresh-interval path's Loop graph (ml-cache-interval.ts) reuses `cachedRows`.
import { encodeModel } from '../onnx/graph.js';
import type { KeyMask } from './llada-blocks.js';
import { imageHead, LladaGraph } from './llada-graph.js';
import {
  type ImageStepGraphOptions,
  mlCacheContrib,
  PREFIX,
  TRANSFORMER_OPSET,
} from './transformer-options.js';

/**
 * ML-Cache full step (dimoo-inference.md §4.4): a normal forward over `ids [N, L]`, `attn_mask [N, L]` returning
 * what the caches hold: `image_logits [N, L, K]` at every position and each layer's rotated keys `k_<i>` and
 * values `v_<i>` `[N, L, kv]` (fp32 on the host). Guidance, sampling and the max-logit selection run on the host over the (partly stale) logits.
 */
export function buildMlCacheFullGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: mlCacheContrib(options) });
  const { g } = m;
  const { dModel: D } = options.dims;
  const K = options.codebookSize;
  const head = imageHead(m, options);
  const hidden = m.trunk();
  g.output(m.linear(hidden, head, K, D), 'image_logits', 'float32', ['N', 'L', K]);
  const kv = options.dims.nKvHeads * (D / options.dims.nHeads);
  m.kvCaches().forEach(({ k, v }, i) => {
    g.output(m.toFloat(k), `k_${i}`, 'float32', ['N', 'L', kv]);
    g.output(m.toFloat(v), `v_${i}`, 'float32', ['N', 'L', kv]);
  });
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/**
 * ML-Cache's cached forward (dimoo-inference.md §4.4): the rows `ids [N, S]` at positions `pos [N, S]` through
 * every layer against `caches` (rotated keys and values [N, L, kv] per layer, in the activation type) → their
 * image-slice logits [N, S, K] and, per layer, their new rotated key and value rows and the caches with them written.
 */
export function cachedRows(
  m: LladaGraph,
  options: ImageStepGraphOptions,
  v: {
    ids: string;
    pos: string;
    keys: KeyMask;
    caches: ReadonlyArray<{ k: string; v: string }>;
  },
) {
  const { dModel: D } = options.dims;
  const { hidden, layers } = cachedHidden(m, options, v);
  return { logits: m.linear(hidden, imageHead(m, options), options.codebookSize, D), layers };
}

/**
 * The trunk of `cachedRows` without a head: the rows' final normed hidden states [N, S, D] and, per layer, their
 * new rotated key and value rows and the caches with them written (the understanding block loop's head is the
 * full vocabulary: text-block-loop.ts).
 */
export function cachedHidden(
  m: LladaGraph,
  options: Pick<ImageStepGraphOptions, 'dims'>,
  v: {
    ids: string;
    pos: string;
    keys: KeyMask;
    caches: ReadonlyArray<{ k: string; v: string }>;
  },
) {
  const { g } = m;
  const { dModel: D, vocabSize: V, nLayers } = options.dims;
  const tables = m.ropeAt(v.pos);
  let x = g.op('Gather', [m.param(`${PREFIX}.wte.weight`, [V, D]), v.ids], { axis: 0 });
  const layers: Array<{ k: string; v: string; kAll: string; vAll: string }> = [];
  for (let i = 0; i < nLayers; i++) {
    const cache = v.caches[i]!;
    const out = m.cachedBlock(x, i, { pos: v.pos, tables, keys: v.keys, kCache: cache.k, vCache: cache.v });
    x = out.x;
    layers.push(out);
  }
  return { hidden: m.rmsNorm(x, `${PREFIX}.ln_f.weight`), layers };
}

/** The cached forward shared by both ML-Cache step graphs, over graph inputs. */
function cachedForward(m: LladaGraph, options: ImageStepGraphOptions) {
  const { g } = m;
  const { dModel: D, nLayers, nKvHeads, nHeads } = options.dims;
  const K = options.codebookSize;
  const kv = nKvHeads * (D / nHeads);
  const ids = g.input('ids', 'int64', ['N', 'S']);
  const pos = g.input('pos', 'int64', ['N', 'S']);
  const mask = g.input('attn_mask', 'int64', ['N', 'L']);
  // The host holds fp32 caches; an fp16 graph works on fp16 copies.
  const caches = Array.from({ length: nLayers }, (_, i) => ({
    k: m.act(g.input(`k_cache_${i}`, 'float32', ['N', 'L', kv])),
    v: m.act(g.input(`v_cache_${i}`, 'float32', ['N', 'L', kv])),
  }));
  const { logits, layers } = cachedRows(m, options, { ids, pos, keys: m.keyMask(mask), caches });
  return { logits, layers, pos, kv, K };
}

/**
 * ML-Cache cached step: only the selected rows `ids [N, S]` at absolute positions `pos [N, S]` run through the
 * network; per layer their rotated keys and values are written into `k_cache_<i>`, `v_cache_<i>` `[N, L, kv]` and their
 * queries attend to all L keys (`attn_mask [N, L]`). Outputs `image_logits [N, S, K]` and the rows' new
 * `k_<i>`, `v_<i>` `[N, S, kv]` for the host to write into its caches.
 */
export function buildMlCacheStepGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: mlCacheContrib(options) });
  const { g } = m;
  const { logits, layers, kv, K } = cachedForward(m, options);
  layers.forEach(({ k, v }, i) => {
    g.output(m.toFloat(k), `k_${i}`, 'float32', ['N', 'S', kv]);
    g.output(m.toFloat(v), `v_${i}`, 'float32', ['N', 'S', kv]);
  });
  g.output(logits, 'image_logits', 'float32', ['N', 'S', K]);
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/**
 * The state-in-graph head shared by both in-graph ML-Cache graphs: from the updated logit cache `cache [N, L, K]`
 * it gathers the masked cells (`gather_pos [N, M]`), combines the branches (`branch_w [J, G]`) and samples
 * (`temperature [J]`, `noise [J, M]`) exactly as the image-step graph → `codes`, `probs`, `best` `[J, M]`, plus
 * `max_logit [N, L]` for the host's quantile selection, and hands every cache back as `new_<input name>`.
 */
function stateOutputs(
  m: LladaGraph,
  K: number,
  kv: number,
  cache: string,
  layers: ReadonlyArray<{ k: string; v: string }>,
): Uint8Array {
  const { g } = m;
  const gatherPos = g.input('gather_pos', 'int64', ['N', 'M']);
  const branchW = g.input('branch_w', 'float32', ['J', 'G']);
  const temperature = g.input('temperature', 'float32', ['J']);
  const noise = g.input('noise', 'float32', ['J', 'M']);
  const sampled = m.sampleCells(m.gatherRows(cache, gatherPos), branchW, temperature, noise, K);
  g.output(sampled.codes, 'codes', 'int64', ['J', 'M']);
  g.output(sampled.probs, 'probs', 'float32', ['J', 'M']);
  g.output(sampled.best, 'best', 'int64', ['J', 'M']);
  g.output(g.op('ReduceMax', [cache, g.ints([-1])], { keepdims: 0 }), 'max_logit', 'float32', ['N', 'L']);
  g.output(cache, 'new_logit_cache', 'float32', ['N', 'L', K]);
  layers.forEach(({ k, v }, i) => {
    g.output(m.toFloat(k), `new_k_cache_${i}`, 'float32', ['N', 'L', kv]);
    g.output(m.toFloat(v), `new_v_cache_${i}`, 'float32', ['N', 'L', kv]);
  });
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/**
 * ML-Cache full step with the state kept in the graph's hands (engine-design §3): the full forward of
 * `buildMlCacheFullGraph`, plus the in-graph head of `stateOutputs`. The host feeds the `new_*` outputs back
 * unread as the cached step's `logit_cache`, `k_cache_<i>`, `v_cache_<i>`.
 */
export function buildMlCacheStateFullGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: mlCacheContrib(options) });
  const { dModel: D, nKvHeads, nHeads } = options.dims;
  const K = options.codebookSize;
  const head = imageHead(m, options);
  const hidden = m.trunk();
  return stateOutputs(m, K, nKvHeads * (D / nHeads), m.linear(hidden, head, K, D), m.kvCaches());
}

/**
 * ML-Cache cached step with the state in the graph: the cached forward of `buildMlCacheStepGraph`, whose
 * scattered K/V caches and the logit cache `logit_cache [N, L, K]` with the selected rows' new logits scattered
 * in become outputs, plus the in-graph head of `stateOutputs`.
 */
export function buildMlCacheStateStepGraph(options: ImageStepGraphOptions): Uint8Array {
  const m = new LladaGraph({ ...options, contrib: mlCacheContrib(options) });
  const { g } = m;
  const { logits, layers, pos, kv, K } = cachedForward(m, options);
  const logitCache = g.input('logit_cache', 'float32', ['N', 'L', K]);
  const at = g.op('Expand', [g.op('Unsqueeze', [pos, g.ints([-1])]), g.op('Shape', [logits])]);
  const cache = g.op('ScatterElements', [logitCache, at, logits], { axis: 1 });
  return stateOutputs(
    m,
    K,
    kv,
    cache,
    layers.map(({ kAll, vAll }) => ({ k: kAll, v: vAll })),
  );
}
