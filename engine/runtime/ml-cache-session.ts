// The two ML-Cache graphs (engine/graphs/transformer.ts) behind one small interface: a full forward that fills
// the caches, and a cached forward over selected rows that returns their logits and new K/V rows.
import { type Feeds, type Outputs, releaseSession, runTimed, type Session, Tensor } from './ort.js';
import { type MlpScale, withMlpScale } from './overflow-guard.js';

export interface MlCacheFullOutput {
  /** [N, L, K] image-slice logits at every position. */
  logits: Float32Array;
  /** Per layer [N, L, kv] keys after RoPE, and values. */
  k: Float32Array[];
  v: Float32Array[];
  forwardMs: number;
}

export interface MlCacheStepOutput {
  /** [N, S, K] image-slice logits of the selected rows. */
  logits: Float32Array;
  /** Per layer [N, S, kv] the selected rows' new keys and values. */
  k: Float32Array[];
  v: Float32Array[];
  forwardMs: number;
}

/** The per-step path as the ML-Cache loop sees it (engine/tasks/ml-cache-loop.ts). */
export type MlCacheBackend = Pick<MlCacheSessions, 'path' | 'layers' | 'kvWidth' | 'full' | 'cached'>;

export class MlCacheSessions {
  /** The per-step path: caches live on the host. */
  readonly path = 'per-step';
  constructor(
    private readonly fullSession: Session,
    private readonly stepSession: Session,
    readonly layers: number,
    readonly kvWidth: number,
    /** The engine's MLP rung, fed as it stands (this comparison path does not run a step again lower). */
    private readonly scale?: MlpScale,
  ) {}

  private split(out: Outputs) {
    const k: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (let i = 0; i < this.layers; i++) {
      k.push(out[`k_${i}`]?.data as Float32Array);
      v.push(out[`v_${i}`]?.data as Float32Array);
    }
    return { logits: out.image_logits?.data as Float32Array, k, v };
  }

  async full(ids: BigInt64Array, mask: BigInt64Array, N: number, L: number): Promise<MlCacheFullOutput> {
    const feeds = { ids: new Tensor('int64', ids, [N, L]), attn_mask: new Tensor('int64', mask, [N, L]) };
    const { out, forwardMs } = await runTimed(
      this.fullSession,
      withMlpScale(this.fullSession, feeds, this.scale),
    );
    return { ...this.split(out), forwardMs };
  }

  async cached(
    ids: BigInt64Array,
    pos: BigInt64Array,
    mask: BigInt64Array,
    caches: { k: Float32Array[]; v: Float32Array[] },
    N: number,
    S: number,
    L: number,
  ): Promise<MlCacheStepOutput> {
    const feeds: Feeds = {
      ids: new Tensor('int64', ids, [N, S]),
      pos: new Tensor('int64', pos, [N, S]),
      attn_mask: new Tensor('int64', mask, [N, L]),
    };
    for (let i = 0; i < this.layers; i++) {
      feeds[`k_cache_${i}`] = new Tensor('float32', caches.k[i]!, [N, L, this.kvWidth]);
      feeds[`v_cache_${i}`] = new Tensor('float32', caches.v[i]!, [N, L, this.kvWidth]);
    }
    const { out, forwardMs } = await runTimed(
      this.stepSession,
      withMlpScale(this.stepSession, feeds, this.scale),
    );
    return { ...this.split(out), forwardMs };
  }

  async release(): Promise<void> {
    await releaseSession(this.fullSession);
    await releaseSession(this.stepSession);
  }
}
