// `npm run bench -- quant [--sizes 256,512] [--steps 8] [--rounds 3]`: weight-only int8/int4 against fp32 on the
// CPU (issue #12), on the generated small checkpoint. Every measurement is its own child process (so peak RSS is
// the configuration's own), and the rounds interleave the configurations so a machine whose load drifts colours
// all of them alike. Per size and configuration: median wall and ms/step of a τ = 0 text-to-image, peak RSS (and
// the peak once the engine is open, before any run), and the share of latent cells equal to fp32's.
// → bench/results/quant.json
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine, type ImageResult, makeTestCheckpoint, type WeightQuant } from '../engine/index.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '256,512' },
    steps: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'string' },
    size: { type: 'string' },
  },
});
const STEPS = Number(values.steps);
const modelDir = join(tmpdir(), 'dimoo-bench-quant-small');
const cacheDir = join(tmpdir(), 'dimoo-bench-quant-cache');
const request = (size: number) => ({
  task: 'text_to_image' as const,
  prompt: 'a red fox in the snow, detailed fur, golden hour',
  width: size,
  height: size,
  steps: STEPS,
  seed: 7,
  temperature: 0,
});

interface ChildReport {
  load_ms: number;
  wall_ms: number;
  step_ms: number;
  peak_rss_mib: number;
  /** Peak RSS once the engine is open: the rest of peak_rss_mib is what the runs added (onnxruntime's arenas). */
  load_rss_mib: number;
  tokens: number[];
}

if (values.child) {
  // One measurement: load (quantized weights from the cache after the first time), one warm-up step, one timed run.
  const quant = values.child as WeightQuant;
  const size = Number(values.size);
  const t0 = performance.now();
  const engine = await createEngine({ modelDir, device: 'cpu', precision: 'fp32', quant, cacheDir });
  const load = performance.now() - t0;
  const loadRss = process.resourceUsage().maxRSS;
  await engine.generate({ ...request(size), steps: 1 });
  const stamps: number[] = [];
  const t1 = performance.now();
  const result = (await engine.generate(request(size), {
    onProgress: (p) => p.phase || stamps.push(performance.now()),
  })) as ImageResult;
  const wall = performance.now() - t1;
  await engine.close();
  const gaps = stamps.slice(1).map((s, i) => s - (stamps[i] as number));
  const report: ChildReport = {
    load_ms: Math.round(load),
    wall_ms: Math.round(wall),
    step_ms: Math.round(gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length)),
    peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
    load_rss_mib: Math.round(loadRss / 1024),
    tokens: [...result.tokens.data],
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}

if (!existsSync(join(modelDir, 'config.json')))
  makeTestCheckpoint({ out: modelDir, preset: 'small', dtype: 'bf16' });
const CONFIGS: WeightQuant[] = ['none', 'int8', 'int4'];
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const samples = new Map<string, ChildReport[]>();
const loads: string[] = [];
for (let round = 0; round < rounds; round++) {
  for (const size of sizes) {
    for (const quant of CONFIGS) {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          new URL(import.meta.url).pathname,
          '--child',
          quant,
          '--size',
          String(size),
          '--steps',
          String(STEPS),
        ],
        { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 },
      );
      if (child.status !== 0) throw new Error(`${quant} ${size}²: ${child.stderr}`);
      const report = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as ChildReport;
      const key = `${size}:${quant}`;
      samples.set(key, [...(samples.get(key) ?? []), report]);
      process.stdout.write(
        `round ${round} ${size}² ${quant}: ${report.wall_ms} ms (${report.step_ms} ms/step), ${report.peak_rss_mib} MiB (${report.load_rss_mib} MiB after load)\n`,
      );
    }
  }
  loads.push(loadavg()[0]?.toFixed(1) ?? '?');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: Record<string, Record<string, unknown>> = {};
for (const size of sizes) {
  const fp32 = samples.get(`${size}:none`) as ChildReport[];
  const base = median(fp32.map((r) => r.wall_ms));
  const row: Record<string, unknown> = {};
  for (const quant of CONFIGS) {
    const list = samples.get(`${size}:${quant}`) as ChildReport[];
    const tokens = list[0]?.tokens ?? [];
    const reference = fp32[0]?.tokens ?? [];
    const equal = tokens.filter((t, i) => t === reference[i]).length;
    const wall = median(list.map((r) => r.wall_ms));
    row[quant === 'none' ? 'fp32' : quant] = {
      wall_ms_median: wall,
      step_ms_median: median(list.map((r) => r.step_ms)),
      speed_vs_fp32: Math.round((base / wall) * 100) / 100,
      peak_rss_mib_median: median(list.map((r) => r.peak_rss_mib)),
      load_rss_mib_median: median(list.map((r) => r.load_rss_mib)),
      load_ms_median: median(list.map((r) => r.load_ms)),
      cells_equal_to_fp32: `${equal}/${reference.length}`,
      share_equal_to_fp32: Math.round((equal / Math.max(1, reference.length)) * 1000) / 1000,
      runs_wall_ms: list.map((r) => r.wall_ms),
    };
  }
  results[`${size}x${size}`] = row;
}
const out = {
  benchmark: 'quant',
  date: new Date().toISOString(),
  command: `npm run bench -- quant --sizes ${values.sizes} --steps ${STEPS} --rounds ${rounds}`,
  workload: `generated small checkpoint (d_model 512, 8 layers, bf16 on disk), CPU, fp32 activations; text-to-image at τ = 0 with guidance (2 rows), ${STEPS} steps after a 1-step warm-up; one child process per measurement, configurations interleaved`,
  machine: { cpus: cpus().length, loadavg_after_each_round: loads },
  node: process.version,
  results,
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/quant.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
