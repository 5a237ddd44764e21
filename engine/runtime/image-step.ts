// One image sampling step through the image-step graph (engine/graphs/transformer.ts): host arrays in, the
// sampled codes and their confidences out. Only [J, M]-sized tensors cross back to the host.
import { EngineError } from '../api.js';
import { branchFeeds, branchOutputs } from './drawing-feeds.js';
import { type Feeds, runTimed, type Session, Tensor } from './ort.js';

export interface ImageStepInput {
  /** [N, L] token ids, N = J·G branches, each right-padded to L. */
  ids: BigInt64Array;
  /** [N, L] 1 for real tokens, 0 for padding. */
  attnMask: BigInt64Array;
  /** [N, M] the sampled cells' positions in each branch. */
  gatherPos: BigInt64Array;
  /** [J, G] guidance weight of each branch. */
  branchW: Float32Array;
  /** [J] sampling temperature; 0 = argmax. */
  temperature: Float32Array;
  /** [J, M] uniforms in (0, 1), one per cell (samplingNoise(seed, step, M, 1)); ignored at temperature 0. */
  noise: Float32Array;
  J: number;
  G: number;
  L: number;
  M: number;
}

export interface ImageStepOutput {
  /** [J, M] sampled VQ index per cell. */
  codes: BigInt64Array;
  /** [J, M] softmax(guided logits)[code]. */
  probs: Float32Array;
  /** [J, M] most likely VQ index per cell (previews). */
  best: BigInt64Array;
  /** [N, L] max image-slice logit per position, when the graph was built with it. */
  maxLogit?: Float32Array;
  /** [J, M, K] guided logits, when the graph was built with the debug output. */
  logits?: Float32Array;
  /** Time inside session.run. */
  forwardMs: number;
}

/** A caller bug (the engine builds these arrays), reported before onnxruntime's less readable error. */
export function checkSize(name: string, actual: number, expected: number): void {
  if (actual !== expected) {
    const detail = `step input ${name} has ${actual} values, expected ${expected}`;
    throw new EngineError('internal', detail, { detail });
  }
}

/**
 * Refuses a step whose probabilities are not numbers in [0, 1] (NaN fails every comparison): logits that
 * overflowed (half precision holds at most 65504, where upstream's bf16 holds 3·10³⁸) make NaN, and the sampled
 * codes would be silent garbage. The job fails with a message for the operator instead; `PRECISION=fp32` keeps
 * fp32 activations.
 */
export function checkProbabilities(name: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    const p = values[i] as number;
    if (p >= 0 && p <= 1 + 1e-4) continue; // a provider's softmax may round an ulp above 1
    throw overflowed(`the step's ${name} holds ${p} at ${i}`);
  }
}

/** The job's failure when sampled probabilities were not numbers (`what` says where they were seen). */
export function overflowed(what: string): EngineError {
  const detail = `${what}: the model's numbers overflowed (with fp16 on a GPU, PRECISION=fp32 avoids it)`;
  return new EngineError('internal', detail, { detail });
}

/**
 * The feeds every step graph shares, checked: [N, L] ids and mask, [N, P] gathered positions inside the rows, and
 * [J, G] branch weights (N = J·G).
 */
export function stepRowFeeds(
  input: { ids: BigInt64Array; attnMask: BigInt64Array; gatherPos: BigInt64Array; branchW: Float32Array },
  dims: { J: number; G: number; L: number; P: number },
): Feeds {
  const { J, G, L, P } = dims;
  const N = J * G;
  checkSize('ids', input.ids.length, N * L);
  checkSize('attnMask', input.attnMask.length, N * L);
  checkSize('gatherPos', input.gatherPos.length, N * P);
  checkSize('branchW', input.branchW.length, J * G);
  checkPositions(input.gatherPos, L);
  return {
    ids: new Tensor('int64', input.ids, [N, L]),
    attn_mask: new Tensor('int64', input.attnMask, [N, L]),
    gather_pos: new Tensor('int64', input.gatherPos, [N, P]),
    branch_w: new Tensor('float32', input.branchW, [J, G]),
  };
}

export function checkPositions(positions: BigInt64Array, length: number): void {
  for (const p of positions) {
    if (p < 0n || p >= BigInt(length)) {
      const detail = `step input gatherPos holds ${p}, outside the sequence length ${length}`;
      throw new EngineError('internal', detail, { detail });
    }
  }
}

export class ImageStepRunner {
  /** The graph also has the understanding head (textHead): it gets one position, and its outputs are not read. */
  private readonly withText: boolean;
  private readonly fetches: string[];

  constructor(private readonly session: Session) {
    this.withText = session.inputNames.includes('text_pos');
    this.fetches = branchOutputs(session, 'step').filter((name) => !name.startsWith('text_'));
  }

  async run(input: ImageStepInput): Promise<ImageStepOutput> {
    const { J, G, L, M } = input;
    const rows = stepRowFeeds(input, { J, G, L, P: M });
    checkSize('temperature', input.temperature.length, J);
    checkSize('noise', input.noise.length, J * M);
    const feeds = {
      ...rows,
      temperature: new Tensor('float32', input.temperature, [J]),
      noise: new Tensor('float32', input.noise, [J, M]),
      ...(this.withText ? { text_pos: new Tensor('int64', new BigInt64Array(J * G), [J * G, 1]) } : {}),
    };
    const { out, forwardMs } = await runTimed(
      this.session,
      branchFeeds(this.session, 'step', feeds),
      this.fetches,
    );
    const result: ImageStepOutput = {
      codes: out.codes?.data as BigInt64Array,
      probs: out.probs?.data as Float32Array,
      best: out.best?.data as BigInt64Array,
      forwardMs,
    };
    checkProbabilities('probs', result.probs);
    if (out.max_logit) result.maxLogit = out.max_logit.data as Float32Array;
    if (out.logits) result.logits = out.logits.data as Float32Array;
    return result;
  }
}
