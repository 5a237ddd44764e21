// One image sampling step through the image-step graph (engine/graphs/transformer.ts): host arrays in, the
// sampled codes and their confidences out. Only [J, M]-sized tensors cross back to the host.
import { EngineError } from '../api.js';
import { branchFeeds, branchOutputs } from './drawing-feeds.js';
import { type Feeds, type Session, Tensor } from './ort.js';
import { type MlpScale, probabilityFault, runGuarded } from './overflow-guard.js';

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

  /** `scale`: the engine's MLP rung (a half graph's overflowed step runs again lower); none runs at 1. */
  constructor(
    private readonly session: Session,
    private readonly scale?: MlpScale,
  ) {
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
    const { out, forwardMs } = await runGuarded(
      this.session,
      branchFeeds(this.session, 'step', feeds),
      this.fetches,
      this.scale,
      (o) => probabilityFault('probs', o.probs?.data as Float32Array),
    );
    const result: ImageStepOutput = {
      codes: out.codes?.data as BigInt64Array,
      probs: out.probs?.data as Float32Array,
      best: out.best?.data as BigInt64Array,
      forwardMs,
    };
    if (out.max_logit) result.maxLogit = out.max_logit.data as Float32Array;
    if (out.logits) result.logits = out.logits.data as Float32Array;
    return result;
  }
}
