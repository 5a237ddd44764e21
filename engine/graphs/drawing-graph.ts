// One model for both ways of drawing, so that they share one copy of the weights: an ONNX `If` runs either the
// image step (J jobs, one step, with the understanding head beside it: buildImageStepGraph) or ML-Cache's refresh
// interval (a full step and its cached steps in a Loop: buildMlCacheIntervalGraph). Two sessions held the 8B
// weights twice (17 GB more in fp16); onnxruntime runs every node of a graph whatever is fetched, so only a
// branch that is not taken costs nothing. The weights are the outer graph's initializers, read by both branches.
import { encodeModel, GraphBuilder, type ValueDef } from '../onnx/graph.js';
import { LladaGraph } from './llada-graph.js';
import { type MlCacheIntervalGraphOptions, mlCacheInterval } from './ml-cache-interval.js';
import { imageStep } from './transformer.js';
import { mlCacheContrib, TRANSFORMER_OPSET } from './transformer-options.js';

/** The bool [] input that picks the branch: true runs the refresh interval, false the image step. */
export const INTERVAL_SWITCH = 'ml_cache_interval';
/** The refresh interval's outputs are the interval graph's, named with this prefix (`interval_ids_out`, …). */
export const INTERVAL_PREFIX = 'interval_';

/**
 * Inputs: the union of the image step's and the interval's (the same names where they share one, e.g. `ids`,
 * `noise`), and `ml_cache_interval`. Outputs: the image step's (`codes`, `probs`, `best`, `text_*`) and the
 * interval's with INTERVAL_PREFIX; the branch not taken gives empty tensors for the other's. A run feeds the
 * other branch's own inputs as empty tensors (engine/runtime/drawing-session.ts).
 */
export function buildDrawingGraph(options: MlCacheIntervalGraphOptions): Uint8Array {
  const root = new LladaGraph(options);
  const { g } = root;
  // Each branch's inputs become inputs of the outer graph; its values get their own prefix.
  const step = new GraphBuilder('image_step', 'step_', g);
  imageStep(new LladaGraph(options, root, step), options, 'step_');
  const stepOuts = step.outputSpecs;

  // Both branches give the same outputs in the same order: the step's, then the interval's.
  const interval = new GraphBuilder('ml_cache_interval', 'ivl_', g);
  for (const o of stepOuts) interval.output(empty(interval, o), `ivl_${o.name}`, o.dtype, anyShape(o));
  const intervalGraph = new LladaGraph({ ...options, contrib: mlCacheContrib(options) }, root, interval);
  mlCacheInterval(intervalGraph, options, 'ivl_');
  const intervalOuts = interval.outputSpecs.slice(stepOuts.length);
  for (const o of intervalOuts) step.output(empty(step, o), `step_${o.name}`, o.dtype, anyShape(o));

  const cond = g.input(INTERVAL_SWITCH, 'bool', []);
  const outs = [
    ...stepOuts.map((o) => ({ ...o, name: o.name.slice('step_'.length) })),
    ...intervalOuts.map((o) => ({ ...o, name: `${INTERVAL_PREFIX}${o.name.slice('ivl_'.length)}` })),
  ];
  g.node(
    'If',
    [cond],
    { then_branch: { graph: interval }, else_branch: { graph: step } },
    { outputs: outs.map((o) => o.name) },
  );
  // Either branch may give an output empty, so no axis is fixed.
  for (const o of outs) g.output(o.name, o.name, o.dtype, anyShape(o));
  return encodeModel(g, { opset: TRANSFORMER_OPSET, domains: { 'com.microsoft': 1 } });
}

/** An empty tensor of an output's type and rank (a scalar output gets 0): what the branch not taken gives. */
function empty(b: GraphBuilder, o: Readonly<ValueDef>): string {
  return o.shape.length === 0
    ? b.constant(o.dtype, [], [0])
    : b.constant(
        o.dtype,
        o.shape.map(() => 0),
        [],
      );
}

/** The output's rank with every axis dynamic (`<name>_<axis>`). */
function anyShape(o: Readonly<ValueDef>): string[] {
  return o.shape.map((_, i) => `${o.name}_${i}`);
}
