// The transformer graph with its heads: the head rows, gathering the rows a step samples, guidance over the
// branches and the in-graph sampling of image cells. The build* functions (transformer.ts, ml-cache-graphs.ts,
// ml-cache-interval.ts) assemble graphs from it.
import { bf16, codeGumbels, firstArgMax, guideBf16 } from './bf16-sampling.js';
import { LladaBlocks } from './llada-blocks.js';
import { type ImageStepGraphOptions, invalid, PREFIX } from './transformer-options.js';

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
   * Guidance and sampling of the image cells as upstream does on bf16 tensors (engine/sampling/bf16-gumbel.ts is the
   * host reference): the branches' image-slice logits `cells [N, M, K]` rounded to bf16 and combined with `branchW
   * [J, G]` in upstream's op order, each op rounded (guideBf16), then Gumbel-max over all K codes with bf16 noise
   * derived from each cell's uniform (`noise [J, M]`) and the first index among tied scores; τ = 0 is the first
   * argmax of the logits.
   * → `codes`, `probs` = bf16(softmax(logits)[code]) (no temperature, as upstream), `best` = first argmax.
   */
  sampleCells(
    cells: string,
    branchW: string,
    temperature: string,
    noise: string,
    K: number,
  ): { codes: string; probs: string; best: string } {
    const { g } = this;
    const logits = guideBf16(g, cells, branchW, K); // [J, M, K]
    const best = firstArgMax(g, logits, K);
    const tau = g.op('Unsqueeze', [temperature, g.ints([1, 2])]); // [J, 1, 1]
    const greedy = g.op('Equal', [tau, g.scalar(0)]);
    const inv = g.op('Div', [g.scalar(1), g.op('Where', [greedy, g.scalar(1), tau])]);
    const scaled = bf16(g, g.op('Mul', [logits, inv]));
    // Made after the guidance, onnxruntime runs the noise's int64 hash (the head's largest transient, memory.ts
    // imageHeadBytes) before it, beside no other [J, M, K] tensor; made before it, the hash ran after the guidance,
    // beside the logits and their scaled copy (profiled on the CPU: 24 against 32 B an element).
    const gumbels = codeGumbels(g, noise, K);
    const scores = bf16(g, g.op('Add', [scaled, gumbels]));
    const codes = g.op('Where', [g.op('Squeeze', [greedy, g.ints([2])]), best, firstArgMax(g, scores, K)]);
    const probs = bf16(g, this.softmaxAt(logits, codes));
    return { codes, probs, best };
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
