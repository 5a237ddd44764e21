// The state-in-graph ML-Cache path (engine-design §3): the graphs scatter the new rows into the K/V and logit
// caches themselves and return the updated caches, which go straight back in as the next step's inputs; guidance,
// sampling and the per-position max logit run in the graph, so the host reads [M] codes/probs/best and [N, L] max
// logits per step.
import type { MlCacheState, MlCacheStateBackend } from '../runtime/ml-cache-state-session.js';
import type { CachedStep, CachedStepInput, CachedStepOutput } from './ml-cache-step.js';

/** One loop's in-graph stepper over `backend`; it holds that loop's (opaque) cache tensors. */
export function graphCachedStep(
  backend: MlCacheStateBackend,
  shape: { N: number; L: number; mask: BigInt64Array },
  sampling: { weights: readonly number[]; temperature: number },
): CachedStep {
  const { N, L, mask } = shape;
  let state: MlCacheState | undefined;
  return async (input: CachedStepInput): Promise<CachedStepOutput> => {
    const M = input.positions[0]!.length;
    const gatherPos = new BigInt64Array(N * M);
    input.positions.forEach((p, n) => {
      for (let i = 0; i < M; i++) gatherPos[n * M + i] = BigInt(p[i]!);
    });
    const cells = { gatherPos, M, ...sampling, noise: input.noise, maxLogit: input.maxLogit };
    let out: Awaited<ReturnType<MlCacheStateBackend['full']>>;
    if (input.full) out = await backend.full(input.ids, mask, N, L, cells);
    else if (state) out = await backend.cached(input.ids, input.pos, mask, state, N, input.S, L, cells);
    else throw new Error('a cached ML-Cache step needs a full step before it');
    state = out.state;
    return out;
  };
}
