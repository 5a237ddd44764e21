// The image graph's sampling head alone (LladaGraph.sampleCells) over branch logits fed in, with no transformer
// before it: what the sampling tests and the sampling-head bench run.
import { LladaGraph } from '../../engine/graphs/llada-graph.js';
import { TINY_DIMS } from './random-llada.js';

export interface HeadShape {
  jobs: number;
  branches: number;
  cells: number;
  codes: number;
}

/**
 * The head's graph with its inputs `cells` [J·G, M, K], `branch_w` [J, G], `temperature` [J] and `noise` [J, M]; the
 * caller names the outputs it reads.
 */
export function samplingHead({ jobs, branches, cells, codes }: HeadShape) {
  const m = new LladaGraph({
    dims: TINY_DIMS,
    weight: () => {
      throw new Error('the sampling head reads no weight');
    },
    folder: '',
  });
  const { g } = m;
  const logits = g.input('cells', 'float32', [jobs * branches, cells, codes]);
  const weights = g.input('branch_w', 'float32', [jobs, branches]);
  const temperature = g.input('temperature', 'float32', [jobs]);
  const out = m.sampleCells(logits, weights, temperature, g.input('noise', 'float32', [jobs, cells]), codes);
  return { g, logits, weights, out };
}
