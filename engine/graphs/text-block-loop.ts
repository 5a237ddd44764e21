// Understanding with a block cache: one graph run per answer block of LLaDA's semi-autoregressive decoding
// (dimoo-inference.md §4.3). The first step runs every position and fills each layer's K/V cache; the block's
// later steps run only the block's rows against those caches, as Fast-dLLM's dual cache does for LLaDA
// (arXiv 2505.22618): the question, the image and the answer blocks after this one keep the keys and values of
// the block's first step. Each step is the uncached loop's τ = 0 step (engine/tasks/understand.ts): guidance over
// the branches, the argmax and its probability, then the `quota[t]` most confident masked positions take their
// argmax (ties to the lower position, as selectCommits). The paper reports ML-Cache for understanding (1.87×);
// upstream's code has none, so this is the engine's own and opt-in (UnderstandRequest.cache).
//
// The Loop sits in the outer scope of the graph that holds the weights (the drawing graph, beside the interval's
// Loop: drawing-graph.ts explains why; or the image-step graph), with inputs of its own; an image step or interval
// feeds them empty and the Loop runs no iteration.
import { GraphBuilder } from '../onnx/graph.js';
import type { KeyMask } from './llada-blocks.js';
import { LladaGraph } from './llada-graph.js';
import { cachedHidden } from './ml-cache-graphs.js';
import { type ImageStepGraphOptions, mlCacheContrib } from './transformer-options.js';

/** The block loop's inputs and outputs carry this prefix (`block_ids`, …, `block_ids_out`, …). */
export const BLOCK_PREFIX = 'block_';

export interface TextBlockGraphOptions extends ImageStepGraphOptions {
  /** The MASK token id. */
  maskId: number;
}

/**
 * Declares the inputs `block_ids [N, L]`, `block_mask [N, L]` (1 = real token), `block_pos [B]` (the block's
 * positions, the same in every branch), `block_w [1, N]` (guidance weights: [1] or [1+c, −c]) and `block_quota
 * [T]` (positions to commit at each step; T steps run), and returns the outputs' values: `ids [N, L]` after the
 * block, `when [B]` the step that committed each position (−1: none) and `nan []` how many masked positions got
 * a NaN probability (fp16 logits that overflowed; the host runs the block again lower).
 */
export function textBlockLoop(
  host: LladaGraph,
  options: TextBlockGraphOptions,
): { ids: string; when: string; nan: string } {
  const { g } = host;
  const { dModel: D, nKvHeads, nHeads, nLayers } = options.dims;
  const kv = nKvHeads * (D / nHeads);
  const cacheType = options.half ? 'float16' : 'float32';
  const ids = g.input(`${BLOCK_PREFIX}ids`, 'int64', ['BN', 'BL']);
  const mask = g.input(`${BLOCK_PREFIX}mask`, 'int64', ['BN', 'BL']);
  const blockPos = g.input(`${BLOCK_PREFIX}pos`, 'int64', ['BB']);
  const branchW = g.input(`${BLOCK_PREFIX}w`, 'float32', ['BJ', 'BN']);
  const quota = g.input(`${BLOCK_PREFIX}quota`, 'int64', ['BT']);
  const keys = host.keyMask(mask);

  const steps = g.op('Squeeze', [g.op('Shape', [quota]), g.ints([0])]);
  // Empty caches of the rows' shape: the first step writes every position into them.
  const zero = g.constant('float32', [1, 1, 1], [0]);
  const zeros = g.op('Expand', [
    options.half ? g.op('Cast', [zero], { to: 10 }) : zero,
    g.op('Concat', [g.op('Shape', [ids]), g.ints([kv])], { axis: 0 }),
  ]);
  const never = g.op('Expand', [g.scalar(-1, 'int64'), g.op('Shape', [blockPos])]);

  const body = new GraphBuilder('text_block_step', 'blk_');
  const sub = new LladaGraph({ ...options, contrib: mlCacheContrib(options) }, host, body);
  const t = body.input('blk_iteration', 'int64', []);
  const condIn = body.input('blk_cond', 'bool', []);
  const carried = {
    ids: body.input('blk_ids', 'int64', ['BN', 'BL']),
    when: body.input('blk_when', 'int64', ['BB']),
    nan: body.input('blk_nan', 'int64', []),
    caches: Array.from({ length: nLayers }, (_, i) => ({
      k: body.input(`blk_k_cache_${i}`, cacheType, ['BN', 'BL', kv]),
      v: body.input(`blk_v_cache_${i}`, cacheType, ['BN', 'BL', kv]),
    })),
  };
  const step = blockStep(sub, options, { t, ids: carried.ids, blockPos, branchW, quota, keys }, carried);
  body.output(body.op('Identity', [condIn]), 'blk_cond_out', 'bool', []);
  body.output(step.ids, 'blk_ids_out', 'int64', ['BN', 'BL']);
  body.output(body.op('Where', [step.commit, t, carried.when]), 'blk_when_out', 'int64', ['BB']);
  body.output(body.op('Add', [carried.nan, step.nan]), 'blk_nan_out', 'int64', []);
  step.layers.forEach(({ kAll, vAll }, i) => {
    body.output(kAll, `blk_k_cache_out_${i}`, cacheType, ['BN', 'BL', kv]);
    body.output(vAll, `blk_v_cache_out_${i}`, cacheType, ['BN', 'BL', kv]);
  });

  const caches = Array.from({ length: 2 * nLayers }, () => zeros);
  const outs = g.node(
    'Loop',
    [steps, g.constant('bool', [], [1]), ids, never, g.scalar(0, 'int64'), ...caches],
    { body: { graph: body } },
    { outputs: 3 + 2 * nLayers },
  );
  const [idsOut, when, nan] = outs as [string, string, string];
  return { ids: idsOut, when, nan };
}

/** The block loop in `host`'s graph with its outputs `block_ids_out`, `block_when` and `block_nan`. */
export function addTextBlockLoop(host: LladaGraph, options: TextBlockGraphOptions): void {
  const { g } = host;
  const block = textBlockLoop(host, options);
  g.output(block.ids, `${BLOCK_PREFIX}ids_out`, 'int64', ['BN', 'BL']);
  g.output(block.when, `${BLOCK_PREFIX}when`, 'int64', ['BB']);
  g.output(block.nan, `${BLOCK_PREFIX}nan`, 'int64', []);
}

/** One step of the block, written into `m`'s graph (the Loop body). */
function blockStep(
  m: LladaGraph,
  options: TextBlockGraphOptions,
  v: { t: string; ids: string; blockPos: string; branchW: string; quota: string; keys: KeyMask },
  carried: { caches: ReadonlyArray<{ k: string; v: string }> },
) {
  const { g } = m;
  const { dModel: D, vocabSize: V } = options.dims;
  const dim = (x: string, axis: number) =>
    g.op('Slice', [g.op('Shape', [x]), g.ints([axis]), g.ints([axis + 1])]);
  const first = g.op('Equal', [v.t, g.scalar(0, 'int64')]);
  const L = dim(v.ids, 1);
  const B = dim(v.blockPos, 0);
  const zero = g.ints([0]);
  const range = (n: string) =>
    g.op('Range', [g.scalar(0, 'int64'), g.op('Squeeze', [n, zero]), g.scalar(1, 'int64')]);
  // Slice(Concat(a, b)) picks a whole operand by arithmetic, which keeps an If (and the weights it would read
  // two levels down, unpacked) out of the body: `first ? b : a` for the rows, `first ? a : b` for the head's.
  const pick = (a: string, b: string, aLen: string, bLen: string, wantB: string) => {
    const start = g.op('Where', [wantB, aLen, zero]);
    const end = g.op('Where', [wantB, g.op('Add', [aLen, bLen]), aLen]);
    return g.op('Slice', [g.op('Concat', [a, b], { axis: 0 }), start, end]);
  };
  const perRow = (x: string) =>
    g.op('Expand', [g.op('Unsqueeze', [x, zero]), g.op('Concat', [dim(v.ids, 0), g.ints([1])], { axis: 0 })]); // [S] → [N, S]
  const notFirst = g.op('Not', [first]);
  // The rows this step runs: every position on the first step, the block's afterwards.
  const rowPos = perRow(pick(v.blockPos, range(L), B, L, first));
  const { hidden, layers } = cachedHidden(m, options, {
    ids: g.op('GatherElements', [v.ids, rowPos], { axis: 1 }),
    pos: rowPos,
    keys: v.keys,
    caches: carried.caches,
  });
  // Where the block's rows sit among them.
  const blockIndex = range(B); // 0 … B − 1
  const within = perRow(pick(v.blockPos, blockIndex, B, B, notFirst));
  const head = m.matrix(m.headName(), [V, D]);
  const logits = m.combineBranches(m.linear(m.gatherRows(hidden, within), head, V, D), v.branchW, V);
  const best = g.op('Squeeze', [g.op('ArgMax', [logits], { axis: -1, keepdims: 0 }), zero]); // [B]
  const prob = g.op('Squeeze', [m.softmaxAt(logits, g.op('Unsqueeze', [best, zero])), zero]);

  const blockRows = perRow(v.blockPos);
  const current = g.op('Squeeze', [
    g.op('Slice', [g.op('GatherElements', [v.ids, blockRows], { axis: 1 }), zero, g.ints([1])]),
    zero,
  ]); // [B]
  const masked = g.op('Equal', [current, g.scalar(options.maskId, 'int64')]);
  const broken = g.op('And', [masked, g.op('IsNaN', [prob])]);
  // Committed positions rank after every masked one (probabilities are ≥ 0); a NaN ranks as 0 and fails the run.
  const conf = g.op('Where', [masked, g.op('Where', [broken, g.scalar(0), prob]), g.scalar(-1)]);
  const [, order] = g.node('TopK', [conf, B], { axis: -1, largest: 1, sorted: 1 }, { outputs: 2 });
  const rank = g.op(
    'ScatterElements',
    [g.op('Mul', [blockIndex, g.scalar(0, 'int64')]), order!, blockIndex],
    {
      axis: 0,
    },
  );
  const k = g.op('Gather', [v.quota, v.t], { axis: 0 });
  const commit = g.op('And', [masked, g.op('Less', [rank, k])]);
  const next = g.op('Where', [commit, best, current]);
  const ids = g.op(
    'ScatterElements',
    [v.ids, blockRows, g.op('Expand', [g.op('Unsqueeze', [next, zero]), g.op('Shape', [blockRows])])],
    { axis: 1 },
  );
  const nan = g.op('ReduceSum', [g.op('Cast', [broken], { to: 7 }), zero], { keepdims: 0 });
  return { ids, commit, nan, layers };
}
