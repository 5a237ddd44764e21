// The transformer graph with its heads: the head rows, gathering the rows a step samples, guidance over the
// branches and the in-graph sampling of image cells. The build* functions (transformer.ts, ml-cache-graphs.ts,
// ml-cache-interval.ts) assemble graphs from it.
import { LladaBlocks } from './llada-blocks.js';
import { type ImageStepGraphOptions, invalid, PREFIX } from './transformer-options.js';

/** Codes per block of the blocked CDF (LladaGraph.cumulative). */
const CDF_BLOCK = 128;

/**
 * The graph of the shared trunk; image and text graphs add their heads on top. A graph made with `parent` writes
 * its ops into `g` (a subgraph, e.g. an ONNX Loop body) but takes every weight from the parent's scope.
 */
export class LladaGraph extends LladaBlocks {
  headName(): string {
    return this.d.weightTying ? `${PREFIX}.wte.weight` : `${PREFIX}.ff_out.weight`;
  }

  /** hidden [N, L, D] at `pos [N, P]` → [N, P, D]. */
  gatherRows(hidden: string, pos: string): string {
    const { g } = this;
    return g.op('GatherND', [hidden, g.op('Unsqueeze', [pos, g.ints([-1])])], { batch_dims: 1 });
  }

  /** Σ_g w[j, g] · x[j·G + g] for x [N, P, C] and `w [J, G]` → [J, P, C]. */
  combineBranches(x: string, branchW: string, width: number): string {
    const { g } = this;
    const grouped = g.op('Reshape', [
      x,
      g.op('Concat', [g.op('Shape', [branchW]), g.ints([-1, width])], { axis: 0 }),
    ]);
    const w = g.op('Unsqueeze', [branchW, g.ints([2, 3])]);
    return g.op('ReduceSum', [g.op('Mul', [grouped, w]), g.ints([1])], { keepdims: 0 });
  }

  /** softmax(logits)[index] along the last axis, for logits [J, P, C] and index [J, P] int64 → [J, P]. */
  softmaxAt(logits: string, index: string): string {
    const { g } = this;
    const p = g.op('Softmax', [logits], { axis: -1 });
    const at = g.op('GatherElements', [p, g.op('Unsqueeze', [index, g.ints([-1])])], { axis: -1 });
    return g.op('Squeeze', [at, g.ints([-1])]);
  }

  /**
   * The running sum of `p [J, M, K]` along K, in blocks of CDF_BLOCK when K allows: a CumSum inside each block plus
   * the exclusive CumSum of the block totals. onnxruntime's CUDA CumSum walks each row serially, so one 8192-long
   * scan per cell took 20 ms a step on an H200; 64 blocks of 128 take a fraction of that.
   */
  cumulative(p: string, K: number): string {
    const { g } = this;
    const axis = g.constant('int32', [], [-1]);
    if (K < 2 * CDF_BLOCK || K % CDF_BLOCK !== 0) return g.op('CumSum', [p, axis]);
    const blocks = g.op('Reshape', [p, g.ints([0, 0, K / CDF_BLOCK, CDF_BLOCK])]);
    const inner = g.op('CumSum', [blocks, axis]);
    const totals = g.op('Slice', [inner, g.ints([-1]), g.ints([2 ** 31 - 1]), g.ints([-1])]); // [J, M, B, 1]
    const before = g.op('CumSum', [totals, g.constant('int32', [], [2])], { exclusive: 1 });
    return g.op('Reshape', [g.op('Add', [inner, before]), g.ints([0, 0, K])]);
  }

  /**
   * Guidance and sampling of the image cells: the branches' image-slice logits `cells [N, M, K]` combined with
   * `branchW [J, G]`, then an inverse-CDF sample of softmax(logits/τ) from one uniform per cell (`noise [J, M]`,
   * argmax at τ = 0) → `codes`, `probs` = softmax(logits)[code] (no temperature, as upstream), `best` = argmax.
   */
  sampleCells(
    cells: string,
    branchW: string,
    temperature: string,
    noise: string,
    K: number,
  ): { logits: string; codes: string; probs: string; best: string } {
    const { g } = this;
    const logits = this.combineBranches(cells, branchW, K); // [J, M, K]
    const best = g.op('ArgMax', [logits], { axis: -1, keepdims: 0 });
    // Inverse CDF: the first code whose cumulative mass exceeds u·total (comparing against the row's own total
    // keeps a pick even when float rounding leaves the sum a hair below 1). The CDF never decreases, so that code
    // is the count of entries ≤ u·total: a float sum, which every provider reduces on the device (an ArgMax over
    // int32 ran on the CPU under CUDA, copying [J, M, K] to the host every step).
    const tau = g.op('Unsqueeze', [temperature, g.ints([1, 2])]); // [J, 1, 1]
    const greedy = g.op('Equal', [tau, g.scalar(0)]);
    const safeTau = g.op('Where', [greedy, g.scalar(1), tau]);
    const tempered = g.op('Softmax', [g.op('Div', [logits, safeTau])], { axis: -1 });
    const cdf = this.cumulative(tempered, K);
    const total = g.op('Slice', [cdf, g.ints([-1]), g.ints([2 ** 31 - 1]), g.ints([-1])]); // [J, M, 1]
    const target = g.op('Mul', [g.op('Unsqueeze', [noise, g.ints([-1])]), total]);
    const below = g.op('Cast', [g.op('LessOrEqual', [cdf, target])], { to: 1 });
    const sampled = g.op('Cast', [g.op('ReduceSum', [below, g.ints([-1])], { keepdims: 0 })], { to: 7 });
    const codes = g.op('Where', [g.op('Squeeze', [greedy, g.ints([2])]), best, sampled]);
    return { logits, codes, probs: this.softmaxAt(logits, codes), best };
  }
}

/** The head's image rows [K, D] (VQ codes at `imageCodeOffset`), checked against the vocabulary. */
export function imageHead(m: LladaGraph, options: ImageStepGraphOptions): string {
  const { dModel: D, vocabSize: V } = options.dims;
  const { imageCodeOffset: offset, codebookSize: K } = options;
  if (!Number.isInteger(offset) || !Number.isInteger(K) || offset < 0 || K <= 0 || offset + K > V) {
    throw invalid(`image codes [${offset}, ${offset + K}) do not fit in the head's ${V} rows`);
  }
  return m.matrix(m.headName(), [V, D], { from: offset, count: K });
}
