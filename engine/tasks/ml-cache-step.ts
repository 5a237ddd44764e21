// What one ML-Cache step must produce, whichever path holds the caches (ml-cache-host-step.ts: on the host;
// ml-cache-graph-step.ts: in onnxruntime's tensors, fed back unread). The loop (ml-cache-loop.ts) only builds
// the inputs below, commits the sampled codes and picks the rows the next cached step recomputes.

export interface CachedStepInput {
  /** A full step (every position, caches refilled) or a cached one (the selected rows only). */
  full: boolean;
  /** [N, L] every row's current ids on a full step; [N, S] the selected rows' ids on a cached step. */
  ids: BigInt64Array;
  /** [N, S] the selected rows' positions (cached steps). */
  pos: BigInt64Array;
  S: number;
  /** The masked cells' positions in each branch's sequence, M each, in the conditional sequence's order. */
  positions: Int32Array[];
  /** [M] the sampling uniforms of this step. */
  noise: Float32Array;
  /** Whether the next step is a cached one, so `maxLogit` is needed. */
  maxLogit: boolean;
}

export interface CachedStepOutput {
  /** [M] sampled codes, their softmax confidence (no temperature) and the argmax codes (previews). */
  codes: Int32Array;
  probs: Float32Array;
  best: Int32Array;
  /** [N, L] the largest image-slice logit of every position after this step, when asked for. */
  maxLogit?: Float32Array;
  forwardMs: number;
}

export type CachedStep = (input: CachedStepInput) => Promise<CachedStepOutput>;
