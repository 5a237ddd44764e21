// The two state-in-graph ML-Cache graphs (engine/graphs/transformer.ts buildMlCacheState*Graph) behind one small
// interface. The caches (per-layer rotated keys and values, the [N, L, K] image-logit cache) stay opaque: each run's `new_*`
// output tensors are fed back as the next cached run's inputs exactly as onnxruntime returned them, so the host
// only ever reads the sampled codes, their confidences, the argmax codes and, when asked, the [N, L] max logits.
import { type Feeds, releaseSession, runTimed, type Session, Tensor } from './ort.js';
import { type MlpScale, withMlpScale } from './overflow-guard.js';

/** The caches after a run, as onnxruntime returned them, keyed by the cached graph's input names. */
export class MlCacheState {
  constructor(readonly feeds: Readonly<Feeds>) {}
}

/** What both graphs sample: the masked cells of every branch and the guidance/sampling inputs. */
export interface MlCacheCells {
  /** [N, M] the masked cells' positions in each branch's sequence. */
  gatherPos: BigInt64Array;
  M: number;
  /** One weight per branch row, e.g. [1+s, −s]. */
  weights: readonly number[];
  temperature: number;
  /** [M] uniforms in (0, 1). */
  noise: Float32Array;
  /** Fetch `max_logit [N, L]` (only needed when the next step is a cached one). */
  maxLogit: boolean;
}

export interface MlCacheStateOutput {
  codes: Int32Array;
  probs: Float32Array;
  best: Int32Array;
  /** [N, L] the largest image-slice logit of every position (when asked for). */
  maxLogit?: Float32Array;
  state: MlCacheState;
  forwardMs: number;
}

/** The state-in-graph path as the ML-Cache loop sees it (engine/tasks/ml-cache-loop.ts). */
export type MlCacheStateBackend = Pick<MlCacheStateSessions, 'path' | 'full' | 'cached'>;

const SAMPLED = ['codes', 'probs', 'best'] as const;

export class MlCacheStateSessions {
  /** The state-in-graph path: the caches stay onnxruntime's tensors between runs. */
  readonly path = 'in-graph';
  private readonly stateOutputs: string[];

  constructor(
    private readonly fullSession: Session,
    private readonly stepSession: Session,
    readonly layers: number,
    /** The engine's MLP rung, fed as it stands (this comparison path does not run a step again lower). */
    private readonly scale?: MlpScale,
  ) {
    this.stateOutputs = ['new_logit_cache'];
    for (let i = 0; i < layers; i++) this.stateOutputs.push(`new_k_cache_${i}`, `new_v_cache_${i}`);
  }

  private cellFeeds(cells: MlCacheCells, N: number): Feeds {
    return {
      gather_pos: new Tensor('int64', cells.gatherPos, [N, cells.M]),
      branch_w: new Tensor('float32', Float32Array.from(cells.weights), [1, N]),
      temperature: new Tensor('float32', Float32Array.of(cells.temperature), [1]),
      noise: new Tensor('float32', cells.noise, [1, cells.M]),
    };
  }

  private async run(session: Session, feeds: Feeds, cells: MlCacheCells): Promise<MlCacheStateOutput> {
    const fetches = [...SAMPLED, ...this.stateOutputs, ...(cells.maxLogit ? ['max_logit'] : [])];
    const { out, forwardMs } = await runTimed(session, withMlpScale(session, feeds, this.scale), fetches);
    const next: Feeds = {};
    for (const name of this.stateOutputs) next[name.slice('new_'.length)] = out[name] as Tensor;
    return {
      codes: Int32Array.from(out.codes?.data as BigInt64Array, Number),
      probs: out.probs?.data as Float32Array,
      best: Int32Array.from(out.best?.data as BigInt64Array, Number),
      maxLogit: cells.maxLogit ? (out.max_logit?.data as Float32Array) : undefined,
      state: new MlCacheState(next),
      forwardMs,
    };
  }

  full(ids: BigInt64Array, mask: BigInt64Array, N: number, L: number, cells: MlCacheCells) {
    const rows = { ids: int64(ids, [N, L]), attn_mask: int64(mask, [N, L]) };
    return this.run(this.fullSession, { ...rows, ...this.cellFeeds(cells, N) }, cells);
  }

  /** The step over the S selected positions, attending to the cached K/V of all L. */
  cached(
    ids: BigInt64Array,
    pos: BigInt64Array,
    mask: BigInt64Array,
    state: MlCacheState,
    N: number,
    S: number,
    L: number,
    cells: MlCacheCells,
  ): Promise<MlCacheStateOutput> {
    const rows = { ids: int64(ids, [N, S]), pos: int64(pos, [N, S]), attn_mask: int64(mask, [N, L]) };
    return this.run(this.stepSession, { ...rows, ...state.feeds, ...this.cellFeeds(cells, N) }, cells);
  }

  async release(): Promise<void> {
    await releaseSession(this.fullSession);
    await releaseSession(this.stepSession);
  }
}

function int64(data: BigInt64Array, dims: number[]): Tensor {
  return new Tensor('int64', data, dims);
}
