// `npm run bench -- describe [--preset small] [--size 256] [--gen 64] [--block 32] [--steps 64] [--rounds 2]`:
// understanding with and without the block cache (UnderstandRequest.cache, engine/graphs/text-block-loop.ts) on a
// generated checkpoint, τ = 0, no guidance, as the bot's describe runs it. The input is a `--size`² picture, which
// the understanding crop scales to its 1024-class bucket (~4.2k tokens before the answer). The two take turns
// within each round; the fastest of each is kept, every round listed. Also: how many answer tokens agree (on
// random weights answers are degenerate, so this says little about real ones) and whether the queue's price
// (estimateCost) predicts the ratio. → bench/results/describe.json
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  createEngine,
  estimateCost,
  type Preset,
  type TextResult,
  type UnderstandRequest,
} from '../engine/index.js';
import { benchCheckpoint } from './lib/checkpoint.js';
import { optionReader } from './lib/options.js';

const opt = optionReader();
const preset = opt('preset', 'small') as Preset;
const size = Number(opt('size', '256'));
const genLength = Number(opt('gen', '64'));
const blockLength = Number(opt('block', '32'));
const steps = Number(opt('steps', '64'));
const rounds = Number(opt('rounds', '2'));
const engine = await createEngine({ modelDir: benchCheckpoint(preset), device: 'auto' });

const data = new Uint8Array(size * size * 3);
for (let i = 0; i < size * size; i++) data.set([i % 251, (i * 7) % 253, (i * 3) % 256], i * 3);
const request: UnderstandRequest = {
  task: 'understand',
  image: { width: size, height: size, data },
  question: 'What is in the picture?',
  genLength,
  blockLength,
  steps,
};
const variants = { exact: request, cached: { ...request, cache: true } };
type Variant = keyof typeof variants;

const runs: Record<Variant, number[]> = { exact: [], cached: [] };
const answers: Partial<Record<Variant, TextResult>> = {};
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  const order: Variant[] = round % 2 === 0 ? ['exact', 'cached'] : ['cached', 'exact'];
  for (const name of order) {
    const started = performance.now();
    const result = await engine.generate(variants[name]);
    runs[name].push(Math.round(performance.now() - started));
    if (result.kind === 'text') answers[name] = result;
  }
  loads.push(Math.round((loadavg()[0] ?? 0) * 100) / 100);
}
await engine.close();

const best = (name: Variant) => Math.min(...runs[name]);
const round2 = (x: number) => Math.round(x * 100) / 100;
const exactTokens = answers.exact?.tokens ?? [];
const cachedTokens = answers.cached?.tokens ?? [];
const compared = Math.min(exactTokens.length, cachedTokens.length);
const agreeing = exactTokens.slice(0, compared).filter((t, i) => t === cachedTokens[i]).length;
const blocks = genLength / blockLength;
// A whole pass is an uncached step; what the cached run spends beyond its blocks' whole passes is its cheap steps.
const fullStepMs = best('exact') / steps;
const cachedStepMs = (best('cached') - blocks * fullStepMs) / (steps - blocks);
const priced = (dims?: Parameters<typeof estimateCost>[1]) =>
  round2(estimateCost(variants.exact, dims) / estimateCost(variants.cached, dims));
const out = {
  when: new Date().toISOString(),
  machine: { cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, loadavg_after_each_round: loads },
  command: `npm run bench -- describe --preset ${preset} --size ${size} --gen ${genLength} --block ${blockLength} --steps ${steps} --rounds ${rounds}`,
  preset,
  device: engine.info.device,
  answer: { gen_length: genLength, block_length: blockLength, steps, temperature: 0, cfg: 0 },
  best_ms: { exact: best('exact'), cached: best('cached') },
  all_runs_ms: runs,
  speedup: round2(best('exact') / best('cached')),
  whole_pass_vs_cached_step: round2(fullStepMs / cachedStepMs),
  priced_speedup: priced(engine.info.dims),
  priced_speedup_8b_widths: priced(),
  answer_tokens_agreeing: `${agreeing} of ${compared}`,
  distinct_tokens_in_answer: { exact: new Set(exactTokens).size, cached: new Set(cachedTokens).size },
  note: 'exact = upstream LLaDA decoding, every step a whole pass; cached = each block’s first step a whole pass, its other steps only the block’s rows against the cached keys and values (Fast-dLLM’s dual cache). Random weights give degenerate answers (see distinct_tokens_in_answer), so the agreement here is no measure of quality on real weights.',
};
writeFileSync(
  fileURLToPath(new URL('./results/describe.json', import.meta.url)),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
