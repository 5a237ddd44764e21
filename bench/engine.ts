// `npm run bench -- engine [--steps N]`: text-to-image on generated checkpoints (tiny and small, 256² and 512²):
// load time, per-step time, the share of step time spent outside session.run (host overhead), bytes the graph
// returns per step, peak RSS. Each case runs in its own process so peak RSS is its own. → bench/results/engine.json
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type ImageResult, type Preset } from '../engine/index.js';
import { benchCheckpoint } from './lib/checkpoint.js';

const CASES: Array<[Preset, number]> = [
  ['tiny', 256],
  ['tiny', 512],
  ['small', 256],
  ['small', 512],
];

async function runCase(preset: Preset, size: number, steps: number) {
  const dir = benchCheckpoint(preset);
  const loadStarted = performance.now();
  const engine = await createEngine({ modelDir: dir, device: 'auto' });
  const loadMs = performance.now() - loadStarted;
  // One short warm-up run so first-run allocation does not count as step time.
  await engine.generate({
    task: 'text_to_image',
    prompt: 'warm up',
    width: size,
    height: size,
    steps: 2,
    seed: 1,
  });
  const stamps: number[] = [];
  const started = performance.now();
  const result = (await engine.generate(
    { task: 'text_to_image', prompt: 'a red fox in the snow', width: size, height: size, steps, seed: 7 },
    { onProgress: (p) => p.phase || stamps.push(performance.now()) },
  )) as ImageResult;
  const loopMs = (stamps.at(-1) ?? started) - started;
  const cells = (size / 16) ** 2;
  // Cells sampled per step shrink as the schedule commits them; each returns an int64 code, a float prob and an
  // int64 argmax (20 bytes), and guidance is combined inside the graph, so only one job's worth comes back.
  const { unmaskCounts } = await import('../engine/sampling/schedule.js');
  let remaining = cells;
  let bytes = 0;
  for (const committed of unmaskCounts(cells, steps)) {
    bytes += remaining * 20;
    remaining -= committed;
  }
  const stepMs = stamps.map((t, i) => t - (i === 0 ? started : (stamps[i - 1] as number)));
  await engine.close();
  return {
    preset,
    size: `${size}x${size}`,
    steps,
    device: engine.info.device,
    load_ms: Math.round(loadMs),
    step_ms_mean: Math.round(loopMs / steps),
    step_ms_min: Math.round(Math.min(...stepMs)),
    forward_ms_total: Math.round(result.timings.forward_ms),
    total_ms: Math.round(result.timings.total_ms),
    host_share_of_step: Number((1 - result.timings.forward_ms / loopMs).toFixed(3)),
    bytes_returned_per_step_mean: Math.round(bytes / steps),
    full_logits_bytes_per_step_avoided: (size / 16) * (size / 16 + 1) * 2 * engine.info.dims.vocabSize * 4,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const args = process.argv.slice(2);
const stepsArg = args.indexOf('--steps');
const steps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 8;
const caseArg = args.indexOf('--case');
if (caseArg >= 0) {
  const [preset, size] = (args[caseArg + 1] ?? '').split(':');
  process.stdout.write(`${JSON.stringify(await runCase(preset as Preset, Number(size), steps))}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const results = [];
  for (const [preset, size] of CASES) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', self, '--case', `${preset}:${size}`, '--steps', String(steps)],
      {
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`case ${preset} ${size} failed:\n${child.stderr}`);
    const row = JSON.parse(child.stdout.trim().split('\n').at(-1) as string);
    process.stdout.write(`${JSON.stringify(row)}\n`);
    results.push(row);
  }
  const out = fileURLToPath(new URL('./results/engine.json', import.meta.url));
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ when: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, command: 'npm run bench -- engine', results }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${out}\n`);
}
