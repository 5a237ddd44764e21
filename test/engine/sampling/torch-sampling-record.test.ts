// The emulation of upstream's bf16 sampling (test/reference/torch-bf16-sampling.ts) against real torch on CUDA, as
// bench/torch-sampling-check.py recorded it during a GPU run (bench/gpu-check.sh): gumbel_noise and the log term of
// mask_by_random_topk bit for bit on every input, torch.rand's bf16 levels and gumbel_max_sample's picks by χ².
// Without such a record those tests are skipped; the checks themselves run on test doubles either way.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { torchSamplingRecordDouble } from '../../doubles/torch-sampling-record-double.js';
import {
  checkGumbelMax,
  checkGumbelNoise,
  checkLogClamp,
  checkRandHistogram,
  chiSquareSurvival,
  gumbelMaxProbabilities,
  gumbelMaxRow,
  randWordCounts,
  type TorchSamplingRecord,
  type Verdict,
} from '../../reference/torch-sampling-record.js';

// DIMOO_TORCH_SAMPLING_RECORD judges another record, e.g. the $OUT copy before it is kept as bench/results.
const RECORD =
  process.env.DIMOO_TORCH_SAMPLING_RECORD ??
  fileURLToPath(new URL('../../../bench/results/torch-sampling.json', import.meta.url));

function readRecord(): { record?: TorchSamplingRecord; skip?: string } {
  if (!existsSync(RECORD))
    return { skip: `no ${relative(process.cwd(), RECORD)} yet (bench/gpu-check.sh on CUDA writes it)` };
  const record = JSON.parse(readFileSync(RECORD, 'utf8')) as TorchSamplingRecord;
  if (record.skipped) return { skip: `the record was skipped: ${record.skipped}` };
  if (record.device_kind !== 'cuda') return { skip: `the record is from ${record.device_kind}, not CUDA` };
  return { record };
}

const { record, skip } = readRecord();

function expectPass<P extends { error?: string }>(
  part: P | undefined,
  check: (p: P) => Verdict,
  name: string,
): void {
  if (part === undefined) expect.fail(`the record has no ${name}`);
  expect(part.error, `${name} failed on the GPU host`).toBeUndefined();
  const verdict = check(part);
  expect(verdict.ok, verdict.message).toBe(true);
}

describe.skipIf(skip !== undefined)(
  `torch on CUDA against the emulation${skip ? ` (skipped: ${skip})` : ` (${record?.device}, torch ${record?.torch})`}`,
  () => {
    it('gumbel_noise gives torch’s bits on every bf16 u in [0, 1)', () => {
      expectPass(record?.gumbel_noise, checkGumbelNoise, 'gumbel_noise');
    });
    it('log(probs.clamp_min(1e-20)) gives torch’s bits on every bf16 p in [0, 1]', () => {
      expectPass(record?.log_clamp, checkLogClamp, 'log_clamp');
    });
    it('torch.rand’s bf16 levels come as often as the emulation’s curand words say, and never 1', () => {
      expectPass(record?.rand, checkRandHistogram, 'rand');
    });
    it('gumbel_max_sample picks each index as often as the emulation’s exact probabilities say', () => {
      expectPass(record?.gumbel_max, checkGumbelMax, 'gumbel_max');
    });
  },
);

describe('the record checks, on records made by the emulation (test doubles)', () => {
  const agreeing = torchSamplingRecordDouble();

  it('pass a record the emulation made itself', () => {
    for (const verdict of [
      checkGumbelNoise(agreeing.gumbel_noise!),
      checkLogClamp(agreeing.log_clamp!),
      checkRandHistogram(agreeing.rand!),
      checkGumbelMax(agreeing.gumbel_max!),
    ]) {
      expect(verdict.ok, verdict.message).toBe(true);
    }
  });

  it('fail gumbel noise computed in float64 and rounded once, saying how many levels differ', () => {
    const verdict = checkGumbelNoise(
      torchSamplingRecordDouble({ flaw: 'float64-log', randN: 1, draws: 1 }).gumbel_noise!,
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/^gumbel_noise: [1-9]\d* of 16256 inputs differ/);
  });

  it('fail a log that is not clamped at 1e-20', () => {
    const verdict = checkLogClamp(
      torchSamplingRecordDouble({ flaw: 'unclamped-log', randN: 1, draws: 1 }).log_clamp!,
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(
      /^log_clamp: \d+ of 16257 inputs differ; 0x0000: torch 0xff80, emulation 0xc238/,
    );
  });

  it('fail a rand that keeps the values that rounded to 1', () => {
    const verdict = checkRandHistogram(torchSamplingRecordDouble({ flaw: 'one-kept', draws: 1 }).rand!);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/never gives \(0x3f80 ×\d+\)/);
  });

  it('fail a rand that truncates curand’s float to bf16, by χ² alone', () => {
    const verdict = checkRandHistogram(torchSamplingRecordDouble({ flaw: 'truncated-rand', draws: 1 }).rand!);
    expect(verdict.ok).toBe(false);
    expect(verdict.message).toMatch(/χ²/);
  });

  it('fail gumbel_max draws whose noise and scores are float32, not bf16', () => {
    const verdict = checkGumbelMax(
      torchSamplingRecordDouble({ flaw: 'float32-noise', randN: 1 }).gumbel_max!,
    );
    expect(verdict.ok, verdict.message).toBe(false);
  });

  it('would fail, at the record’s 2²⁰ draws, an argmax whose ties went to the last index', () => {
    // Too subtle for the double's few thousand draws, so judged on the counts that rule expects: the row reversed
    // makes the last of equal scores win.
    const row = gumbelMaxRow();
    const reversed = gumbelMaxProbabilities(Float32Array.from(row).reverse(), 1);
    const draws = 2 ** 20;
    const counts = Array.from(row, (_, i) => Math.round(draws * reversed[row.length - 1 - i]!));
    const verdict = checkGumbelMax({ k: row.length, tau: 1, draws: counts.reduce((a, b) => a + b), counts });
    expect(verdict.ok, verdict.message).toBe(false);
  });

  it('fail counts that do not add up to the draws recorded', () => {
    const part = { ...agreeing.rand!, n: agreeing.rand!.n + 1 };
    expect(checkRandHistogram(part).ok).toBe(false);
  });
});

describe('the exact probabilities behind the χ² checks', () => {
  it('give every curand word one level: 2³² words, none on 1, those that rounded to 1 on 0', () => {
    const words = randWordCounts();
    expect(words.reduce((a, b) => a + b, 0)).toBe(2 ** 32);
    expect(words[0x3f80]).toBe(0);
    // bf16 rounds curand's floats from 1 − 2⁻⁹ up to 1. Such a float needs float(w) ≥ 2³² − 2²³, and words from
    // 128 below it round there (float32 keeps multiples of 256 up here, a tie going to the even one): 2²³ + 128
    // words. Nothing else gives 0: curand's smallest float is 2⁻³³.
    expect(words[0]).toBe(2 ** 23 + 128);
    expect(words.findIndex((w, level) => level > 0 && w > 0)).toBe(0x2f00); // bf16 2⁻³³: word 0 alone
    expect(words[0x2f00]).toBe(1);
  });

  it('sum to 1 over the row, ties favouring the first of equal logits', () => {
    const row = gumbelMaxRow();
    const probs = gumbelMaxProbabilities(row, 1);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // Indices 0 and 17 hold the same logit (−1): the earlier one wins their ties.
    expect(row[0]).toBe(row[17]);
    expect(probs[0]!).toBeGreaterThan(probs[17]!);
  });

  it('take χ²’s tail from the incomplete gamma function', () => {
    expect(chiSquareSurvival(25.7, 5)).toBeCloseTo(1.01e-4, 5);
    expect(chiSquareSurvival(3.84, 1)).toBeCloseTo(0.05, 3);
    expect(chiSquareSurvival(1000, 1000)).toBeCloseTo(0.4941, 3);
  });
});
