// The drawing graph (engine/graphs/drawing-graph.ts) takes both of its branches' inputs on every run: the branch
// to run is switched on, and each input only the other branch reads gets an empty tensor of its type and rank.
// Describe's block loop (engine/graphs/text-block-loop.ts) sits beside them, or beside a lone image step, likewise.
import { EngineError } from '../api.js';
import { INTERVAL_PREFIX, INTERVAL_SWITCH } from '../graphs/drawing-graph.js';
import { BLOCK_PREFIX } from '../graphs/text-block-loop.js';
import { type Feeds, type Session, Tensor } from './ort.js';

/** Whether `session` is the drawing graph (both branches), not a graph with one of them. */
export function isDrawingGraph(session: Session): boolean {
  return session.inputNames.includes(INTERVAL_SWITCH);
}

/** Whether `session` holds describe's block Loop (beside the drawing If, or beside a lone image step). */
export function hasTextBlock(session: Session): boolean {
  return session.inputNames.includes(`${BLOCK_PREFIX}quota`);
}

/**
 * What a drawing-graph run does: an image step (the If's else branch), a refresh interval (its then branch and
 * the interval's Loop) or an understanding block (the block Loop, beside an image step of one cell).
 */
export type DrawingBranch = 'step' | 'interval' | 'block';

function branchOf(output: string): DrawingBranch {
  if (output.startsWith(INTERVAL_PREFIX)) return 'interval';
  return output.startsWith(BLOCK_PREFIX) ? 'block' : 'step';
}

/** The names of `session`'s outputs that `branch` gives (the other branches' come back empty). */
export function branchOutputs(session: Session, branch: DrawingBranch): string[] {
  return session.outputNames.filter((name) => branchOf(name) === branch);
}

/**
 * `feeds` for `branch`, completed for the drawing graph, and for an image-step graph with describe's block loop
 * (whose inputs only a block run gives); unchanged for a graph with one branch.
 */
export function branchFeeds(session: Session, branch: DrawingBranch, feeds: Feeds): Feeds {
  const drawing = isDrawingGraph(session);
  if (!drawing && !hasTextBlock(session)) return feeds;
  const all: Feeds = drawing
    ? { ...feeds, [INTERVAL_SWITCH]: new Tensor('bool', [branch === 'interval'], []) }
    : { ...feeds };
  for (const input of session.inputMetadata) {
    if (input.name in all) continue;
    // Beside one branch, only the block loop's inputs may be left out; a missing input of the step stays an error.
    if (!drawing && !input.name.startsWith(BLOCK_PREFIX)) continue;
    if (!input.isTensor) throw unexpected(`input ${input.name} is not a tensor`);
    all[input.name] = placeholder(input.name, input.type, input.shape.length);
  }
  return all;
}

/** An empty tensor of `rank` (a scalar holds one zero). */
function placeholder(name: string, type: string, rank: number): Tensor {
  const dims = rank === 0 ? [] : Array.from({ length: rank }, () => 0);
  const size = rank === 0 ? 1 : 0;
  switch (type) {
    case 'int64':
      return new Tensor('int64', new BigInt64Array(size), dims);
    case 'float32':
      return new Tensor('float32', new Float32Array(size), dims);
    case 'float64':
      return new Tensor('float64', new Float64Array(size), dims);
    default:
      throw unexpected(`input ${name} has type ${type}`);
  }
}

function unexpected(what: string): EngineError {
  const detail = `the drawing graph's ${what}, which a branch not taken cannot be given empty`;
  return new EngineError('internal', detail, { detail });
}
