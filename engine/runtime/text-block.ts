// One answer block of understanding with the block cache (engine/graphs/text-block-loop.ts), run as the drawing
// graph's block Loop: the host gives the sequence of every branch, the block's positions and how many positions
// each step commits, and reads back the sequence after the block. The If beside the Loop runs an image step of
// one cell, whose outputs are not read.
import { EngineError } from '../api.js';
import { BLOCK_PREFIX } from '../graphs/text-block-loop.js';
import { branchFeeds, branchOutputs, hasTextBlock } from './drawing-feeds.js';
import { type Session, Tensor } from './ort.js';
import { type MlpScale, runGuarded } from './overflow-guard.js';

export interface TextBlockRequest {
  /** The sequence, then each guidance branch (all the same length for understanding). */
  sequences: Int32Array[];
  /** The block's positions (the same in every branch). */
  positions: Int32Array;
  /** Guidance weight of each sequence. */
  weights: number[];
  /** Positions each step commits; one step runs per entry. */
  quota: number[];
}

export interface TextBlockResult {
  /** The first sequence after the block. */
  ids: Int32Array;
  /** Per block position, the step that committed it (−1: none). */
  when: Int32Array;
  forwardMs: number;
}

export interface TextBlockBackend {
  block(request: TextBlockRequest): Promise<TextBlockResult>;
}

export class TextBlockSession implements TextBlockBackend {
  private readonly fetches: string[];

  /** `scale`: the engine's MLP rung (a block whose probabilities overflowed runs again lower). */
  constructor(
    private readonly session: Session,
    private readonly scale?: MlpScale,
  ) {
    if (!hasTextBlock(session))
      throw new EngineError('internal', 'this graph has no understanding block loop');
    this.fetches = branchOutputs(session, 'block');
  }

  async block(request: TextBlockRequest): Promise<TextBlockResult> {
    const { sequences, positions, weights, quota } = request;
    const N = sequences.length;
    const L = sequences[0]?.length ?? 0;
    if (N === 0 || weights.length !== N || sequences.some((s) => s.length !== L)) {
      throw new EngineError('internal', `a block got ${N} sequences and ${weights.length} weights`);
    }
    const ids = new BigInt64Array(N * L);
    sequences.forEach((seq, r) => {
      for (let i = 0; i < L; i++) ids[r * L + i] = BigInt(seq[i]!);
    });
    const int64 = (values: ArrayLike<number>, dims: number[]) =>
      new Tensor('int64', BigInt64Array.from(Array.from(values, BigInt)), dims);
    const feeds = {
      [`${BLOCK_PREFIX}ids`]: new Tensor('int64', ids, [N, L]),
      [`${BLOCK_PREFIX}mask`]: new Tensor('int64', new BigInt64Array(N * L).fill(1n), [N, L]),
      [`${BLOCK_PREFIX}pos`]: int64(positions, [positions.length]),
      [`${BLOCK_PREFIX}w`]: new Tensor('float32', Float32Array.from(weights), [1, N]),
      [`${BLOCK_PREFIX}quota`]: int64(quota, [quota.length]),
      // The image step beside the Loop gets one cell of one token.
      ids: int64([0], [1, 1]),
      attn_mask: int64([1], [1, 1]),
      gather_pos: int64([0], [1, 1]),
      branch_w: new Tensor('float32', Float32Array.of(1), [1, 1]),
      temperature: new Tensor('float32', Float32Array.of(1), [1]),
      noise: new Tensor('float32', Float32Array.of(0.5), [1, 1]),
      text_pos: int64([0], [1, 1]),
    };
    const name = (n: string) => `${BLOCK_PREFIX}${n}`;
    const { out, forwardMs } = await runGuarded(
      this.session,
      branchFeeds(this.session, 'block', feeds),
      this.fetches,
      this.scale,
      (o) => {
        const nan = Number((o[name('nan')]?.data as BigInt64Array | undefined)?.[0] ?? 0n);
        return nan > 0 ? `the block's probabilities held ${nan} NaN` : undefined;
      },
    );
    const all = out[name('ids_out')]?.data as BigInt64Array;
    return {
      ids: Int32Array.from(all.subarray(0, L), Number),
      when: Int32Array.from(out[name('when')]?.data as BigInt64Array, Number),
      forwardMs,
    };
  }
}
