// ML-Cache's refresh interval (engine/graphs/ml-cache-interval.ts), run as the drawing graph's interval branch
// (engine/graphs/drawing-graph.ts) behind one small interface: one run per full step and the cached steps after
// it; the caches never leave onnxruntime.
import { EngineError } from '../api.js';
import { INTERVAL_PREFIX } from '../graphs/drawing-graph.js';
import { branchFeeds, branchOutputs, isDrawingGraph } from './drawing-feeds.js';
import { type Outputs, type Session, Tensor } from './ort.js';
import { type MlpScale, runGuarded } from './overflow-guard.js';

export interface MlCacheIntervalInput {
  /** [N, L] current rows (right-padded) and their key mask. */
  ids: BigInt64Array;
  mask: BigInt64Array;
  N: number;
  L: number;
  /** [N, M] masked cells per row. */
  gatherPos: BigInt64Array;
  M: number;
  weights: readonly number[];
  temperature: number;
  /** [I, M] per step of the interval: sampling uniforms and re-masking Gumbel values (I = 1 + cachedSteps). */
  noise: Float32Array;
  gumbel: Float64Array;
  /** [I] the schedule's keep count of each step. */
  keep: BigInt64Array;
  /** [N] real length of each row and its quantile rank (lo, hi), weight w and 1 − w. */
  lengths: BigInt64Array;
  qLo: BigInt64Array;
  qHi: BigInt64Array;
  qW: Float32Array;
  qOmw: Float32Array;
  cachedSteps: number;
}

export interface MlCacheIntervalOutput {
  /** [N, L] the rows after the interval. */
  ids: BigInt64Array;
  /** The last step's argmax codes and the conditional-row cells it sampled (previews). */
  best: Int32Array;
  bestPos: Int32Array;
  /** Positions recomputed by each cached step that ran (may be fewer than asked once no cell is masked). */
  recomputed: number[];
  forwardMs: number;
}

export interface MlCacheIntervalBackend {
  /** One run per refresh interval (engine/tasks/ml-cache-interval-loop.ts). */
  readonly path: 'loop';
  /** The rows per run the graph was built for (its recompute selection is unrolled over them). */
  readonly rows: number;
  run(input: MlCacheIntervalInput): Promise<MlCacheIntervalOutput>;
}

/** Runs the drawing session's interval branch; the session stays its owner's (the engine's) to release. */
export class MlCacheIntervalSession implements MlCacheIntervalBackend {
  readonly path = 'loop';
  private readonly fetches: string[];

  /** `scale`: the engine's MLP rung (an interval whose probabilities overflowed runs again lower). */
  constructor(
    private readonly session: Session,
    readonly rows: number,
    private readonly scale?: MlpScale,
  ) {
    if (!isDrawingGraph(session)) {
      const detail = "ML-Cache's interval runs in the drawing graph, and this session is not one";
      throw new EngineError('internal', detail, { detail });
    }
    this.fetches = branchOutputs(session, 'interval');
  }

  async run(input: MlCacheIntervalInput): Promise<MlCacheIntervalOutput> {
    const { N, L, M } = input;
    const I = input.cachedSteps + 1;
    const feeds = {
      ids: new Tensor('int64', input.ids, [N, L]),
      attn_mask: new Tensor('int64', input.mask, [N, L]),
      gather_pos: new Tensor('int64', input.gatherPos, [N, M]),
      branch_w: new Tensor('float32', Float32Array.from(input.weights), [1, N]),
      temperature: new Tensor('float32', Float32Array.of(input.temperature), [1]),
      tau: new Tensor('float64', Float64Array.of(input.temperature), []),
      noise: new Tensor('float32', input.noise, [I, M]),
      gumbel: new Tensor('float64', input.gumbel, [I, M]),
      keep: new Tensor('int64', input.keep, [I]),
      lengths: new Tensor('int64', input.lengths, [N]),
      q_lo: new Tensor('int64', input.qLo, [N]),
      q_hi: new Tensor('int64', input.qHi, [N]),
      q_w: new Tensor('float32', input.qW, [N]),
      q_omw: new Tensor('float32', input.qOmw, [N]),
      cached_steps: new Tensor('int64', BigInt64Array.of(BigInt(input.cachedSteps)), []),
    };
    const nanFault = (o: Outputs) => {
      const nan = Number((o[`${INTERVAL_PREFIX}nan_probs`]?.data as BigInt64Array)?.[0] ?? 0n);
      return nan > 0 ? `${nan} sampled probabilities of this ML-Cache interval are NaN` : undefined;
    };
    const { out, forwardMs } = await runGuarded(
      this.session,
      branchFeeds(this.session, 'interval', feeds),
      this.fetches,
      this.scale,
      nanFault,
    );
    const read = (name: string) => out[`${INTERVAL_PREFIX}${name}`]?.data as BigInt64Array;
    return {
      ids: read('ids_out'),
      best: Int32Array.from(read('best'), Number),
      bestPos: Int32Array.from(read('best_pos'), Number),
      recomputed: Array.from(read('recomputed'), Number),
      forwardMs,
    };
  }
}
