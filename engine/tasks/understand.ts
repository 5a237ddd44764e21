// Image understanding (dimoo-inference.md §3.4, §4.3): a 1024-class crop in the training layout, then LLaDA's
// semi-autoregressive block diffusion over the answer: each block gets `steps / blocks` steps, each step commits
// the `low_confidence` winners among the block's masked positions (full-vocabulary logits, nothing restricted).
// Unlike upstream, decoding stops after the block in which `</answer>`, answer padding or EOS appeared, and the
// text is cut there.
import type { GenerateOptions, TextResult, UnderstandRequest } from '../api.js';
import { cropToBucket } from '../image/io.js';
import { DEFAULT_UNDERSTANDING_QUESTION } from '../prompts.js';
import { NoiseStream, randomSeed, uniformsF64 } from '../sampling/rng.js';
import {
  answerText,
  blockRange,
  commitStep,
  findAnswerEnd,
  maskedInRange,
  planBlocks,
  selectCommits,
  transferQuota,
} from '../sampling/understanding.js';
import { understandingSequence, understandingUncondIds } from '../sequence.js';
import { LIMITS, MAX_INPUT_PIXELS, type TaskContext } from './context.js';
import { throwIfCancelled } from './image-loop.js';
import { checkInputImage, checkInteger, checkNumber, checkPrompt, checkSeed } from './validate.js';

export const UNDERSTAND_DEFAULTS = Object.freeze({
  steps: 128,
  genLength: 128,
  blockLength: 32,
  temperature: 0,
  cfg: 0,
});

/** Longest answer a request may ask for (upstream's own default is 1024). */
export const MAX_GEN_LENGTH = 2048;

export async function understand(
  ctx: TaskContext,
  request: UnderstandRequest,
  options: GenerateOptions = {},
): Promise<Omit<TextResult, 'timings'> & { forwardMs: number }> {
  const question =
    request.question === undefined || request.question.trim() === ''
      ? DEFAULT_UNDERSTANDING_QUESTION
      : checkPrompt(request.question);
  const input = checkInputImage('the image', request.image, MAX_INPUT_PIXELS);
  const genLength = checkInteger(
    'genLength',
    request.genLength ?? UNDERSTAND_DEFAULTS.genLength,
    1,
    MAX_GEN_LENGTH,
  );
  const schedule = planBlocks({
    steps: checkInteger('steps', request.steps ?? UNDERSTAND_DEFAULTS.steps, 1, 4 * LIMITS.maxSteps),
    genLength,
    blockLength: request.blockLength ?? UNDERSTAND_DEFAULTS.blockLength,
  });
  const temperature = checkNumber(
    'temperature',
    request.temperature ?? UNDERSTAND_DEFAULTS.temperature,
    0,
    LIMITS.maxTemperature,
  );
  const cfg = checkNumber('cfg', request.cfg ?? UNDERSTAND_DEFAULTS.cfg, 0, LIMITS.maxGuidance);
  const seed = checkSeed(request.seed) ?? (temperature === 0 ? 0 : randomSeed());

  const { image } = await cropToBucket(input, 1024);
  throwIfCancelled(options.signal);
  const vq = await ctx.vq.encode(image);
  const seq = understandingSequence(
    ctx,
    question,
    { rows: vq.rows, cols: vq.cols, codes: vq.indices },
    genLength,
  );
  const backend = await ctx.textStep();
  // The block cache decodes greedily in the graph; sampled answers (τ > 0) run uncached.
  const blocks = request.cache && temperature === 0 ? await ctx.textBlock?.() : undefined;
  const { layout } = ctx;
  const x = Int32Array.from(seq.ids);
  const branches = () => (cfg > 0 ? [x, understandingUncondIds(seq, x, layout)] : [x]);
  const weights = cfg > 0 ? [1 + cfg, -cfg] : [1];
  let forwardMs = 0;
  let step = 0;
  let end = -1;

  for (let b = 0; b < schedule.numBlocks && end < 0; b++) {
    const { lo, hi } = blockRange(seq.codeStart, schedule, b);
    const quota = transferQuota(maskedInRange(x, lo, hi, layout).length, schedule.stepsPerBlock);
    if (blocks) {
      throwIfCancelled(options.signal);
      // A step that commits nothing changes nothing, so only the others run.
      const commits = quota.filter((q) => q > 0);
      if (commits.length > 0) {
        const positions = Int32Array.from({ length: hi - lo }, (_, i) => lo + i);
        const out = await blocks.block({ sequences: branches(), positions, weights, quota: commits });
        forwardMs += out.forwardMs;
        x.set(out.ids);
      }
      step += schedule.stepsPerBlock;
      options.onProgress?.({ step, total: schedule.steps });
      end = findAnswerEnd(x, seq.codeStart, hi, layout);
      continue;
    }
    for (let i = 0; i < schedule.stepsPerBlock; i++, step++) {
      throwIfCancelled(options.signal);
      const positions = maskedInRange(x, lo, hi, layout);
      const want = quota[i] ?? 0;
      if (positions.length > 0 && want > 0) {
        const out = await backend.step({ sequences: branches(), positions, weights });
        forwardMs += out.forwardMs;
        if (temperature === 0) {
          // The graph's argmax and its probability are exactly what low_confidence needs at τ = 0.
          for (const k of selectCommits(Float64Array.from(out.bestProb), want))
            x[positions[k]!] = out.best[k]!;
        } else {
          const uniforms = uniformsF64(seed, step, NoiseStream.text, positions.length);
          commitStep(x, positions, out.logits, layout.vocabSize, want, temperature, uniforms, 1);
        }
      }
      options.onProgress?.({ step: step + 1, total: schedule.steps });
    }
    end = findAnswerEnd(x, seq.codeStart, hi, layout);
  }
  const answerEnd = end >= 0 ? end : seq.answerEnd;
  const text = answerText(ctx.tokenizer, x, seq.codeStart, answerEnd);
  const tokens = Array.from(x.subarray(seq.codeStart, Math.max(seq.codeStart, answerEnd)));
  return { kind: 'text', text, tokens, seed, steps: step, ...(blocks ? { cache: true } : {}), forwardMs };
}
