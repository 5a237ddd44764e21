// ML-Cache with the whole refresh interval in one run (engine-design §3): a full step, then the cached steps up
// to the next refresh inside an ONNX Loop whose loop-carried state is the K/V and logit caches, the token rows,
// the masked cells and the next step's recompute selection. Nothing large ever leaves the graph: the host gives
// the rows and the interval's noise, and reads back the rows, the last step's argmax codes (previews) and how
// many positions each cached step recomputed. Each step is the per-step path's step, operation for operation:
//   sample  — guidance + bf16 Gumbel-max (LladaGraph.sampleCells), the image-step graph's head;
//   commit  — every masked cell gets its code, then the k least confident (log p + τ·Gumbel, rounded to bf16 as
//             engine/sampling/remask.ts; cells strictly below the k-th smallest) go back to MASK, k from the
//             host's cosine schedule clamped to [0, M − 1];
//   select  — per branch, positions whose max image logit ≤ torch.quantile(max logits, 1 − cache_ratio), the
//             quantile's rank and weight from the host and its float32 lerp done here step by step.
// The full step and the cached steps' Loop are written separately (intervalFullStep, intervalCachedSteps): the
// drawing graph (drawing-graph.ts) puts the first in a branch of its If and the Loop beside it.
// @see Alpha-VLLM/Lumina-DiMOO generators/image_generation_generator.py (use_cache branch)
import { type Dim, type DType, GraphBuilder } from '../onnx/graph.js';
import { roundBf16 } from '../sampling/bf16.js';
import { bf16 } from './bf16-sampling.js';
import type { KeyMask } from './llada-blocks.js';
import {
  cachedRows,
  type ImageStepGraphOptions,
  imageHead,
  LladaGraph,
  mlCacheContrib,
} from './transformer.js';

export interface MlCacheIntervalGraphOptions extends ImageStepGraphOptions {
  /** Rows per run (the conditional sequence and its guidance branches): the selection is unrolled over them. */
  rows: number;
  /** The MASK token id. */
  maskId: number;
}

interface StepState {
  ids: string;
  gpos: string;
  selPos: string;
  selCount: string;
  best: string;
  bestPos: string;
  /** [] how many of this step's probabilities are NaN (fp16 logits that overflowed). */
  nan: string;
  more: string;
}

/** The interval's inputs besides `ids` and `attn_mask`, declared on `g` (declaring them twice is harmless). */
function intervalInputs(g: GraphBuilder) {
  return {
    gatherPos: g.input('gather_pos', 'int64', ['N', 'M']),
    branchW: g.input('branch_w', 'float32', [1, 'N']),
    temperature: g.input('temperature', 'float32', [1]),
    tau: g.input('tau', 'double', []),
    noise: g.input('noise', 'float32', ['I', 'M']),
    gumbel: g.input('gumbel', 'double', ['I', 'M']),
    keep: g.input('keep', 'int64', ['I']),
    lengths: g.input('lengths', 'int64', ['N']),
    qLo: g.input('q_lo', 'int64', ['N']),
    qHi: g.input('q_hi', 'int64', ['N']),
    qW: g.input('q_w', 'float32', ['N']),
    qOmw: g.input('q_omw', 'float32', ['N']),
    cachedSteps: g.input('cached_steps', 'int64', []),
  };
}
type IntervalInputs = ReturnType<typeof intervalInputs>;

/** What one step of the interval hands the next: the step's state, its logit cache and every layer's K/V. */
export interface IntervalState extends StepState {
  logits: string;
  caches: Array<{ k: string; v: string }>;
}

/** The state's values in the Loop's order, with their types and shapes (`more` first, as the Loop's cond). */
export function intervalStateValues(
  state: IntervalState,
  options: MlCacheIntervalGraphOptions,
): Array<{ value: string; dtype: DType; shape: readonly Dim[] }> {
  const { dModel: D, nKvHeads, nHeads } = options.dims;
  const kv = nKvHeads * (D / nHeads);
  const cacheType = options.half ? 'float16' : 'float32';
  return [
    { value: state.more, dtype: 'bool', shape: [] },
    { value: state.ids, dtype: 'int64', shape: ['N', 'L'] },
    { value: state.gpos, dtype: 'int64', shape: ['N', 'M'] },
    { value: state.selPos, dtype: 'int64', shape: ['N', 'S'] },
    { value: state.selCount, dtype: 'int64', shape: [1] },
    { value: state.best, dtype: 'int64', shape: [1, 'B'] },
    { value: state.bestPos, dtype: 'int64', shape: ['B'] },
    { value: state.nan, dtype: 'int64', shape: [] },
    { value: state.logits, dtype: 'float32', shape: ['N', 'L', options.codebookSize] },
    ...state.caches.flatMap(({ k, v }) => [
      { value: k, dtype: cacheType, shape: ['N', 'L', kv] } as const,
      { value: v, dtype: cacheType, shape: ['N', 'L', kv] } as const,
    ]),
  ];
}

/** The state from values in intervalStateValues' order. */
export function intervalStateOf(values: readonly string[]): IntervalState {
  const [more, ids, gpos, selPos, selCount, best, bestPos, nan, logits, ...kv] = values as string[];
  const caches = Array.from({ length: kv.length / 2 }, (_, i) => ({ k: kv[2 * i]!, v: kv[2 * i + 1]! }));
  return {
    more: more!,
    ids: ids!,
    gpos: gpos!,
    selPos: selPos!,
    selCount: selCount!,
    best: best!,
    bestPos: bestPos!,
    nan: nan!,
    logits: logits!,
    caches,
  };
}

/** The interval's full step, written into `m` (built with mlCacheContrib): the state its cached steps start from. */
export function intervalFullStep(m: LladaGraph, options: MlCacheIntervalGraphOptions): IntervalState {
  const { g } = m;
  const { dModel: D } = options.dims;
  const inputs = intervalInputs(g);
  const hidden = m.trunk(); // inputs ids, attn_mask
  const logits = m.linear(hidden, imageHead(m, options), options.codebookSize, D);
  const first = stepTail(m, options, inputs, {
    cache: logits,
    rows: 'ids',
    gpos: inputs.gatherPos,
    stepIndex: g.scalar(0, 'int64'),
  });
  return { ...first, logits, caches: m.kvCaches() };
}

/**
 * The cached steps from `start`: one Loop iteration each, the caches carried from one to the next. The Loop goes
 * into `host`'s graph, whose scope holds the weights (onnxruntime pre-packs a weight for a subgraph one level
 * below the graph that holds it, not deeper). `keys`: the key mask of `attn_mask`, in host's scope.
 */
export function intervalCachedSteps(
  host: LladaGraph,
  options: MlCacheIntervalGraphOptions,
  start: IntervalState,
  keys: KeyMask,
): { ids: string; best: string; bestPos: string; nan: string; recomputed: string } {
  const { g } = host;
  const { dModel: D, nKvHeads, nHeads, nLayers } = options.dims;
  const K = options.codebookSize;
  const kv = nKvHeads * (D / nHeads);
  const inputs = intervalInputs(g);
  // The K/V caches stay in the activation type (fp16 on the GPU) from one iteration to the next.
  const cacheType = options.half ? 'float16' : 'float32';

  const body = new GraphBuilder('ml_cache_cached_step', 'loop_');
  const sub = new LladaGraph({ ...options, contrib: mlCacheContrib(options) }, host, body);
  const iteration = body.input('loop_iteration', 'int64', []);
  body.input('loop_cond', 'bool', []);
  const carried = {
    ids: body.input('loop_ids', 'int64', ['N', 'L']),
    gpos: body.input('loop_gpos', 'int64', ['N', 'Min']),
    selPos: body.input('loop_sel_pos', 'int64', ['N', 'Sin']),
    selCount: body.input('loop_sel_count', 'int64', [1]),
    best: body.input('loop_best', 'int64', [1, 'Bin']),
    bestPos: body.input('loop_best_pos', 'int64', ['Bin']),
    nan: body.input('loop_nan', 'int64', []),
    logits: body.input('loop_logit_cache', 'float32', ['N', 'L', K]),
    caches: Array.from({ length: nLayers }, (_, i) => ({
      k: body.input(`loop_k_cache_${i}`, cacheType, ['N', 'L', kv]),
      v: body.input(`loop_v_cache_${i}`, cacheType, ['N', 'L', kv]),
    })),
  };
  const selIds = body.op('GatherElements', [carried.ids, carried.selPos], { axis: 1 });
  const rows = cachedRows(sub, options, {
    ids: selIds,
    pos: carried.selPos,
    keys,
    caches: carried.caches,
  });
  const at = body.op('Expand', [
    body.op('Unsqueeze', [carried.selPos, body.ints([-1])]),
    body.op('Shape', [rows.logits]),
  ]);
  const cache = body.op('ScatterElements', [carried.logits, at, rows.logits], { axis: 1 });
  const next = stepTail(sub, options, inputs, {
    cache,
    rows: carried.ids,
    gpos: carried.gpos,
    stepIndex: body.op('Add', [iteration, body.scalar(1, 'int64')]),
  });
  body.output(next.more, 'loop_more', 'bool', []);
  body.output(next.ids, 'loop_ids_out', 'int64', ['N', 'L']);
  body.output(next.gpos, 'loop_gpos_out', 'int64', ['N', 'Mout']);
  body.output(next.selPos, 'loop_sel_pos_out', 'int64', ['N', 'Sout']);
  body.output(next.selCount, 'loop_sel_count_out', 'int64', [1]);
  body.output(next.best, 'loop_best_out', 'int64', [1, 'Bout']);
  body.output(next.bestPos, 'loop_best_pos_out', 'int64', ['Bout']);
  body.output(body.op('Add', [carried.nan, next.nan]), 'loop_nan_out', 'int64', []);
  body.output(cache, 'loop_logit_cache_out', 'float32', ['N', 'L', K]);
  rows.layers.forEach(({ kAll, vAll }, i) => {
    body.output(kAll, `loop_k_cache_out_${i}`, cacheType, ['N', 'L', kv]);
    body.output(vAll, `loop_v_cache_out_${i}`, cacheType, ['N', 'L', kv]);
  });
  // Scan output: how many positions this iteration's cached step recomputed.
  body.output(body.op('Identity', [carried.selCount]), 'loop_recomputed', 'int64', [1]);

  const outs = g.node(
    'Loop',
    [inputs.cachedSteps, ...intervalStateValues(start, options).map((s) => s.value)],
    { body: { graph: body } },
    { outputs: 8 + 2 * nLayers + 1 },
  );
  const [ids, , , , best, bestPos, nan] = outs as [string, string, string, string, string, string, string];
  return { ids, best, bestPos, nan, recomputed: outs.at(-1)! };
}

/** Sample, commit and select after one step whose logit cache is `cache`, written into `mm`'s graph. */
function stepTail(
  mm: LladaGraph,
  options: MlCacheIntervalGraphOptions,
  inputs: IntervalInputs,
  v: { cache: string; rows: string; gpos: string; stepIndex: string },
): StepState {
  const { cache, rows, gpos, stepIndex } = v;
  const K = options.codebookSize;
  const N = options.rows;
  const b = mm.g;
  const at = (x: string, i: string) => b.op('Gather', [x, i], { axis: 0 });
  const M = b.op('Slice', [b.op('Shape', [gpos]), b.ints([1]), b.ints([2])]); // [1]
  const firstM = (x: string) => b.op('Slice', [at(x, stepIndex), b.ints([0]), M, b.ints([0])]); // [M]
  const noise = b.op('Unsqueeze', [firstM(inputs.noise), b.ints([0])]);
  const sampled = mm.sampleCells(mm.gatherRows(cache, gpos), inputs.branchW, inputs.temperature, noise, K);

  // Re-masking, as engine/sampling/remask.ts: bf16 log-confidence plus bf16 τ-scaled Gumbel, each op rounded.
  const bf16d = (x: string) => b.op('Cast', [bf16(b, b.op('Cast', [x], { to: 1 }))], { to: 11 });
  const probs = b.op('Cast', [b.op('Squeeze', [sampled.probs, b.ints([0])])], { to: 11 });
  const logp = bf16d(b.op('Log', [b.op('Max', [probs, b.scalar(roundBf16(1e-20), 'double')])]));
  const tau = b.op('Cast', [b.op('Cast', [inputs.tau], { to: 1 })], { to: 11 });
  const conf = bf16d(b.op('Add', [logp, bf16d(b.op('Mul', [tau, firstM(inputs.gumbel)]))]));
  const mLast = b.op('Sub', [b.op('Squeeze', [M, b.ints([0])]), b.scalar(1, 'int64')]);
  const kk = b.op('Min', [b.op('Max', [at(inputs.keep, stepIndex), b.scalar(0, 'int64')]), mLast]);
  const [sortedConf] = b.node(
    'TopK',
    [conf, b.op('Add', [b.op('Unsqueeze', [kk, b.ints([0])]), b.ints([1])])],
    { axis: -1, largest: 0, sorted: 1 },
    { outputs: 2 },
  );
  const remask = b.op('Less', [conf, at(sortedConf!, kk)]); // [M]
  const committed = b.op('Add', [sampled.codes, b.scalar(options.imageCodeOffset, 'int64')]);
  const value = b.op('Where', [remask, b.scalar(options.maskId, 'int64'), committed]); // [1, M]
  const nextIds = b.op('ScatterElements', [rows, gpos, b.op('Expand', [value, b.op('Shape', [gpos])])], {
    axis: 1,
  });
  const nextGpos = b.op('Compress', [gpos, remask], { axis: 1 });
  const more = b.op('Greater', [
    b.op('Squeeze', [b.op('Slice', [b.op('Shape', [nextGpos]), b.ints([1]), b.ints([2])]), b.ints([0])]),
    b.scalar(0, 'int64'),
  ]);

  // The next step's recompute selection, per row over its real positions.
  const maxLogit = b.op('ReduceMax', [cache, b.ints([-1])], { keepdims: 0 }); // [N, L]
  const picks: string[] = [];
  const counts: string[] = [];
  for (let n = 0; n < N; n++) {
    const row = b.ints([n]);
    const len = b.op('Slice', [inputs.lengths, row, b.ints([n + 1])]); // [1]
    const mx = b.op('Slice', [
      b.op('Squeeze', [b.op('Slice', [maxLogit, row, b.ints([n + 1])]), b.ints([0])]),
      b.ints([0]),
      len,
    ]);
    const [sorted] = b.node('TopK', [mx, len], { axis: -1, largest: 0, sorted: 1 }, { outputs: 2 });
    const lo = b.op('Gather', [sorted!, b.op('Gather', [inputs.qLo, b.scalar(n, 'int64')])]);
    const hi = b.op('Gather', [sorted!, b.op('Gather', [inputs.qHi, b.scalar(n, 'int64')])]);
    const w = b.op('Gather', [inputs.qW, b.scalar(n, 'int64')]);
    const omw = b.op('Gather', [inputs.qOmw, b.scalar(n, 'int64')]);
    const d = b.op('Sub', [hi, lo]);
    // torch.lerp's two-sided form, float32 at every operation.
    const threshold = b.op('Where', [
      b.op('Less', [w, b.scalar(0.5)]),
      b.op('Add', [lo, b.op('Mul', [w, d])]),
      b.op('Sub', [hi, b.op('Mul', [d, omw])]),
    ]);
    const picked = b.op('Squeeze', [b.op('NonZero', [b.op('LessOrEqual', [mx, threshold])]), b.ints([0])]);
    picks.push(picked);
    counts.push(b.op('Shape', [picked]));
  }
  const S = b.op('ReduceMax', [b.op('Concat', counts, { axis: 0 }), b.ints([0])], { keepdims: 1 });
  // Rows with fewer picks repeat their first one, as the host path does.
  const padded = picks.map((p, n) =>
    b.op('Unsqueeze', [
      b.op(
        'Concat',
        [p, b.op('Expand', [b.op('Slice', [p, b.ints([0]), b.ints([1])]), b.op('Sub', [S, counts[n]!])])],
        {
          axis: 0,
        },
      ),
      b.ints([0]),
    ]),
  );
  const state: StepState = {
    ids: nextIds,
    gpos: nextGpos,
    selPos: b.op('Concat', padded, { axis: 0 }),
    selCount: b.op('ReduceSum', [b.op('Concat', counts, { axis: 0 }), b.ints([0])], { keepdims: 1 }),
    best: sampled.best,
    bestPos: b.op('Squeeze', [b.op('Slice', [gpos, b.ints([0]), b.ints([1])]), b.ints([0])]),
    nan: b.op('ReduceSum', [b.op('Cast', [b.op('IsNaN', [sampled.probs])], { to: 7 }), b.ints([0, 1])], {
      keepdims: 0,
    }),
    more,
  };
  return state;
}
