// fp16 holds at most 65504 where upstream's bf16 holds 3·10³⁸. LLaMA-family MLPs are where that bites: SiLU(gate)·up
// and the down projection of a few outlier tokens pass 65504 in late layers and the step turns to NaN
// (huggingface/transformers#27179). A half graph therefore takes `mlp_scale`: the up projection's input is
// multiplied by it (so up, SiLU(gate)·up and the down projection all are) and the down projection's result is
// divided by it again in fp32, before the residual. At 1 (the default) the graph computes exactly what it did
// without the input; a run whose probabilities overflowed is run again one rung lower, and the engine stays there.
// Powers of two only shift exponents, so a lower rung changes nothing but the values fp16 could not hold and the
// tiniest ones, which drop below fp16's normal range: at 2⁻⁸ an activation is kept to within 1.5·10⁻⁵, what bf16's
// own rounding allows at 0.008.
import { EngineError } from '../api.js';
import { MLP_SCALE_INPUT } from '../graphs/transformer-options.js';
import { type Feeds, type Outputs, runTimed, type Session, Tensor } from './ort.js';

/**
 * Where `values` (sampled probabilities) are not numbers in [0, 1], a description of the first such; NaN fails
 * every comparison. Logits that overflowed make NaN, and the sampled codes would be silent garbage.
 */
export function probabilityFault(name: string, values: Float32Array): string | undefined {
  for (let i = 0; i < values.length; i++) {
    const p = values[i] as number;
    if (p >= 0 && p <= 1 + 1e-4) continue; // a provider's softmax may round an ulp above 1
    return `the step's ${name} holds ${p} at ${i}`;
  }
  return undefined;
}

/** Refuses probabilities that are not numbers (probabilityFault), for paths that cannot run again scaled. */
export function checkProbabilities(name: string, values: Float32Array): void {
  const fault = probabilityFault(name, values);
  if (fault !== undefined) throw overflowed(fault);
}

/** The job's failure when sampled probabilities were not numbers (`what` says where they were seen). */
export function overflowed(what: string): EngineError {
  const detail = `${what}: the model's numbers overflowed (with fp16 on a GPU, PRECISION=fp32 avoids it)`;
  return new EngineError('internal', detail, { detail });
}

/** The rungs, highest first: 2⁻⁴ holds products 16 times fp16's range, 2⁻⁸ 256 times. */
export const MLP_SCALES: readonly number[] = [1, 2 ** -4, 2 ** -8];

/** One engine's rung: shared by every runner of its sessions, lowered for good once a run overflowed. */
export class MlpScale {
  private rung = 0;

  constructor(private readonly onLower: (scale: number, cause: string) => void = () => {}) {}

  get value(): number {
    return MLP_SCALES[this.rung] as number;
  }

  /** Steps down one rung after `cause`; false when already on the lowest. */
  lower(cause: string): boolean {
    if (this.rung >= MLP_SCALES.length - 1) return false;
    this.rung++;
    this.onLower(this.value, cause);
    return true;
  }
}

/** `feeds` with the MLP's scale added when `session` is a half graph (one that takes it). */
export function withMlpScale(session: Session, feeds: Feeds, scale: MlpScale | undefined): Feeds {
  if (!session.inputNames.includes(MLP_SCALE_INPUT)) return feeds;
  return { ...feeds, [MLP_SCALE_INPUT]: new Tensor('float32', Float32Array.of(scale?.value ?? 1), []) };
}

/**
 * Runs `session` and asks `fault` whether its outputs overflowed (a description, or undefined). A half graph's
 * run that did is run again on the next rung of `scale` (same feeds: sampling noise included, so the step samples
 * as it would have); the job fails when the lowest rung overflows too, or at once on a graph without the input.
 * `forwardMs` counts every run.
 */
export async function runGuarded(
  session: Session,
  feeds: Feeds,
  fetches: readonly string[],
  scale: MlpScale | undefined,
  fault: (out: Outputs) => string | undefined,
): Promise<{ out: Outputs; forwardMs: number }> {
  const scalable = scale !== undefined && session.inputNames.includes(MLP_SCALE_INPUT);
  let spent = 0;
  for (;;) {
    const { out, forwardMs } = await runTimed(session, withMlpScale(session, feeds, scale), fetches);
    spent += forwardMs;
    const cause = fault(out);
    if (cause === undefined) return { out, forwardMs: spent };
    if (!scalable) throw overflowed(cause);
    const from = scale.value;
    if (!scale.lower(cause)) throw overflowed(`${cause}, with the MLP scaled down to ${from}`);
  }
}
