// One model for both ways of drawing, so that they share one copy of the weights: an ONNX `If` runs either the
// image step (J jobs, one step, with the understanding head beside it: buildImageStepGraph) or ML-Cache's refresh
// interval (a full step and its cached steps in a Loop: ml-cache-interval.ts). Two sessions held the 8B
// weights twice (17 GB more in fp16); onnxruntime runs every node of a graph whatever is fetched, so only a
// branch that is not taken costs nothing. The weights are the outer graph's initializers, read by both branches.
// Describe's block cache is a third way to run it: a Loop of its own beside the If (text-block-loop.ts), which
// runs no iteration unless its inputs are given.
import { encodeModel, GraphBuilder, type ValueDef } from '../onnx/graph.js';
import { LladaGraph } from './llada-graph.js';
import {
  intervalCachedSteps,
  intervalFullStep,
  intervalStateOf,
  intervalStateValues,
  type MlCacheIntervalGraphOptions,
} from './ml-cache-interval.js';
import { addTextBlockLoop } from './text-block-loop.js';
import { imageStep } from './transformer.js';
import { mlCacheContrib, TRANSFORMER_OPSET } from './transformer-options.js';

/** The bool [] input that picks the branch: true runs the refresh interval, false the image step. */
export const INTERVAL_SWITCH = 'ml_cache_interval';
/** The refresh interval's outputs are the interval graph's, named with this prefix (`interval_ids_out`, …). */
export const INTERVAL_PREFIX = 'interval_';

/**
 * Inputs: the union of the image step's (buildImageStepGraph) and the interval's (below; the same names where
 * they share one, e.g. `ids`, `noise`), and `ml_cache_interval`. Outputs: the image step's (`codes`, `probs`,
 * `best`, `text_*`) and the interval's with INTERVAL_PREFIX; a run gives the other branch's empty. A run feeds
 * the other branch's own inputs as empty tensors (engine/runtime/drawing-feeds.ts), so an image step's
 * `cached_steps` is 0.
 *
 * The interval's inputs: `ids [N, L]`, `attn_mask [N, L]`, `gather_pos [N, M]` (masked cells per row),
 * `branch_w [1, N]`, `temperature [1]`, `tau [] double`, per step of the interval (I = 1 + cached steps)
 * `noise [I, M]` sampling uniforms, `gumbel [I, M] double` re-masking Gumbel values, `keep [I] int64` the
 * schedule's keep counts, per row `lengths [N]`, `q_lo`, `q_hi [N] int64`, `q_w`, `q_omw [N] float` (quantile
 * rank, weight and 1 − weight), and `cached_steps [] int64`. Its outputs: `ids_out [N, L]` after the interval,
 * `best [1, M′]` / `best_pos [M′]` the last step's argmax codes and the cells it sampled (conditional row),
 * `recomputed [C′, 1]` the positions each cached step ran (C′ ≤ cached_steps: the loop stops early once no cell
 * is masked), and `nan_probs []` how many sampled probabilities were NaN over the interval (logits that
 * overflowed fp16; the host fails the job on any).
 *
 * The `If` runs the image step or the interval's full step; the cached steps' Loop sits beside it in the outer
 * graph (no iteration on an image step), because onnxruntime pre-packs a weight (the CPU's packed matrices and
 * quantized blocks) only for a subgraph one level below the graph that holds it: inside the `If` the Loop body
 * would multiply by unpacked weights (measured on the CPU: ML-Cache with int4 weights 23% slower).
 */
export function buildDrawingGraph(options: MlCacheIntervalGraphOptions): Uint8Array {
  const root = new LladaGraph(options);
  const { g } = root;
  // Each branch's inputs become inputs of the outer graph; its values get their own prefix.
  const step = new GraphBuilder('image_step', 'step_', g);
  imageStep(new LladaGraph(options, root, step), options, 'step_');
  const stepOuts = step.outputSpecs;

  // Both branches give the same outputs in the same order: the step's, then the interval's starting state.
  const full = new GraphBuilder('ml_cache_full_step', 'ivl_', g);
  for (const o of stepOuts) full.output(empty(full, o), `ivl_${o.name}`, o.dtype, anyShape(o));
  const start = intervalFullStep(
    new LladaGraph({ ...options, contrib: mlCacheContrib(options) }, root, full),
    options,
  );
  const state = intervalStateValues(start, options).map((v, i) => ({ ...v, name: `state_${i}` }));
  for (const v of state) full.output(v.value, `ivl_${v.name}`, v.dtype, v.shape);
  for (const v of state) step.output(empty(step, v), `step_${v.name}`, v.dtype, anyShape(v));

  const cond = g.input(INTERVAL_SWITCH, 'bool', []);
  const stepNames = stepOuts.map((o) => o.name.slice('step_'.length));
  const stateNames = state.map((v) => `interval_${v.name}`);
  g.node(
    'If',
    [cond],
    { then_branch: { graph: full }, else_branch: { graph: step } },
    { outputs: [...stepNames, ...stateNames] },
  );
  for (const [i, o] of stepOuts.entries()) {
    const name = stepNames[i] as string;
    g.output(name, name, o.dtype, anyShape({ ...o, name }));
  }

  const out = intervalCachedSteps(root, options, intervalStateOf(stateNames), root.keyMask('attn_mask'));
  const outputs = [
    [out.ids, 'ids_out', 'int64', 2],
    [out.best, 'best', 'int64', 2],
    [out.bestPos, 'best_pos', 'int64', 1],
    [out.nan, 'nan_probs', 'int64', 0],
    [out.recomputed, 'recomputed', 'int64', 2],
  ] as const;
  for (const [value, name, dtype, rank] of outputs) {
    const named = `${INTERVAL_PREFIX}${name}`;
    g.output(
      value,
      named,
      dtype,
      Array.from({ length: rank }, (_, i) => `${named}_${i}`),
    );
  }
  // Understanding with a block cache (text-block-loop.ts): a Loop of its own beside the interval's.
  if (options.textHead) addTextBlockLoop(root, options);
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/** An empty tensor of an output's type and rank (a scalar gets 0, or false): what the branch not taken gives. */
function empty(b: GraphBuilder, o: Pick<ValueDef, 'dtype' | 'shape'>): string {
  return o.shape.length === 0
    ? b.constant(o.dtype, [], [0])
    : b.constant(
        o.dtype,
        o.shape.map(() => 0),
        [],
      );
}

/** The output's rank with every axis dynamic (`<name>_<axis>`). */
function anyShape(o: Pick<ValueDef, 'name' | 'shape'>): string[] {
  return o.shape.map((_, i) => `${o.name}_${i}`);
}
