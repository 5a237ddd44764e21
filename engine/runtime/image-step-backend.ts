// What the image loop needs from the model for one step, independent of how the ONNX graph is fed.

export interface ImageStepInput {
  /** Token ids: the conditional sequence first, then each guidance branch (lengths may differ). */
  sequences: Int32Array[];
  /** For each sequence, the positions of the cells to sample (same count and order in every sequence). */
  positions: Int32Array[];
  /** Guidance weight of each sequence: Σ weight · logits(sequence), rounded in upstream's order (guideBf16). */
  weights: number[];
  temperature: number;
  /** One uniform in (0, 1) per cell, the key of its per-code sampling noise (sampling/code-noise.ts). */
  noise: Float32Array;
}

export interface ImageStepOutput {
  /** Sampled VQ index per cell. */
  codes: Int32Array;
  /** softmax(guided logits)[code] per cell (no temperature, as upstream). */
  probs: Float32Array;
  /** argmax of the guided logits per cell (previews). */
  best: Int32Array;
  forwardMs: number;
}

export interface ImageStepBackend {
  step(input: ImageStepInput): Promise<ImageStepOutput>;
  /**
   * One step for several jobs sharing a forward pass (engine-design §4). Every job has the same number of
   * branches; their cell counts may differ, and each output has its own job's cells only, exactly as `step` gives
   * them. Each output's `forwardMs` is its share of the pass.
   */
  stepBatch(inputs: readonly ImageStepInput[]): Promise<ImageStepOutput[]>;
}
