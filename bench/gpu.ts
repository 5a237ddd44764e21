// `npm run bench -- gpu [--preset 8b|small] [--device cuda|cpu] [--budget 540] [--size 1024] [--steps 64]`:
// the GPU figures of issue #12 on a generated checkpoint (never real weights): text-to-image at --size² and
// --steps with and without ML-Cache, a 4-job batch at 512² and the same four as one grid, a describe with and
// without its block cache, fp16 against fp32, peak device memory, and the share of τ = 0 grid cells on which fp16
// agrees with fp32 (small checkpoint). Each configuration runs in its own engine and is recorded as it ends; one
// that fails is recorded with its error and the rest go on; a time budget skips what would not finish.
// bench/gpu-check.sh runs this bundled on a GPU host without Node.js.
// → bench/results/gpu.json (and $OUT/gpu.json when OUT is set)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CreateEngineOptions,
  createEngine,
  type Engine,
  type ImageResult,
  makeTestCheckpoint,
  type Preset,
  type TextResult,
  type TextToImageRequest,
  type UnderstandRequest,
} from '../engine/index.js';
import { scaleStoredTensor } from '../test/doubles/random-llada.js';
import { profileChild, runProbe } from './gpu-probe.js';
import { optionReader } from './lib/options.js';

const args = process.argv.slice(2);
const opt = optionReader(args);
const preset = opt('preset', process.env.DIMOO_GPU_CHECK_PRESET ?? '8b') as Preset;
const device = opt('device', process.env.DEVICE ?? 'cuda') as 'cuda' | 'cpu';
const budgetMs = Number(opt('budget', process.env.DIMOO_GPU_CHECK_BUDGET_S ?? '540')) * 1000;
const size = Number(opt('size', '1024'));
const steps = Number(opt('steps', '64'));
const batchSize = Number(opt('batch-size', '512'));
// describe's steps (upstream's 128 at the default 64 image steps; fewer for a short CPU check).
const describeSteps = Number(opt('describe-steps', String(Math.max(4, Math.min(128, 2 * steps)))));
const workDir = opt('work', process.env.DIMOO_GPU_CHECK_DIR ?? tmpdir());
const started = performance.now();
const elapsed = () => performance.now() - started;

function log(line: string): void {
  process.stdout.write(`[gpu ${(elapsed() / 1000).toFixed(1)}s] ${line}\n`);
}

/** Peak device memory in MiB, polled from nvidia-smi (absent on a CPU host: null). */
class DeviceMemory {
  peakMiB: number | null = null;
  baselineMiB: number | null = null;
  private readonly child;
  constructor() {
    this.child = spawn(
      'nvidia-smi',
      ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '200'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    this.child.on('error', () => undefined);
    this.child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        const v = Number(line.trim());
        if (line.trim() === '' || !Number.isFinite(v)) continue;
        this.baselineMiB ??= v;
        this.peakMiB = Math.max(this.peakMiB ?? 0, v);
      }
    });
  }
  /** Starts a new window: the peak seen from now on. */
  reset(): void {
    this.peakMiB = null;
  }
  stop(): void {
    this.child.kill();
  }
}

const results: Record<string, unknown> = {
  preset,
  device,
  size,
  steps,
  node: process.version,
  started_at: new Date().toISOString(),
  runs: [] as unknown[],
};
const runs = results.runs as Array<Record<string, unknown>>;
const outFiles = [
  join(import.meta.dirname ?? '.', 'results', 'gpu.json'),
  ...(process.env.OUT ? [join(process.env.OUT, 'gpu.json')] : []),
];
function save(): void {
  results.elapsed_s = Math.round(elapsed() / 100) / 10;
  for (const file of outFiles) {
    try {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    } catch {
      // A read-only results folder (a bundled run) still leaves the $OUT copy.
    }
  }
}

function checkpoint(which: Preset): string {
  const dir = join(workDir, `dimoo-gpu-${which}`);
  if (!existsSync(join(dir, 'config.json'))) {
    const t = performance.now();
    makeTestCheckpoint({ out: dir, preset: which, dtype: 'bf16' });
    log(`wrote the ${which} checkpoint in ${Math.round(performance.now() - t)} ms`);
    if (which === preset) results.checkpoint_write_ms = Math.round(performance.now() - t);
  }
  return dir;
}

if (args[0] === '--probe-child') {
  await profileChild(args[1]!, device, args[2]!, Number(args[3]));
  process.exit(0);
}
if (args.includes('--probe')) {
  await runProbe({
    modelDir: checkpoint(preset),
    device,
    size,
    outDir: process.env.OUT ?? join(workDir, 'gpu-probe'),
    script: process.argv[1]!,
    log,
  });
  process.exit(0);
}

const memory = new DeviceMemory();
const t2i = (s: number, n: number, extra: Partial<TextToImageRequest> = {}): TextToImageRequest => ({
  task: 'text_to_image',
  prompt: 'a red fox in the snow, detailed fur, golden hour',
  width: s,
  height: s,
  steps: n,
  seed: 42,
  ...extra,
});

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};
const round1 = (x: number) => Math.round(x * 10) / 10;

async function timed(engine: Engine, request: TextToImageRequest) {
  // Progress comes once per step, but ML-Cache's loop path runs a whole refresh interval at once and then sends
  // its steps' events together: events less than 2 ms apart belong to one engine run.
  const runs: Array<{ steps: number; ms: number }> = [];
  const t = performance.now();
  let last = t;
  const result = (await engine.generate(request, {
    onProgress: (p) => {
      if (p.phase) return; // the decode that follows the last step is timed as the run's end, not as a step
      const now = performance.now();
      const previous = runs.at(-1);
      if (previous && now - last < 2) previous.steps += 1;
      else runs.push({ steps: 1, ms: now - last });
      last = now;
    },
  })) as ImageResult;
  const wall = performance.now() - t;
  const loop = runs.slice(1);
  const loopSteps = loop.reduce((a, r) => a + r.steps, 0);
  // A run of n > 1 steps is one full step and n − 1 cached ones; single-step runs give the full step's time.
  const fullMs = median(loop.filter((r) => r.steps === 1).map((r) => r.ms));
  const cachedMs = median(loop.filter((r) => r.steps > 1).map((r) => (r.ms - fullMs) / (r.steps - 1)));
  return {
    result,
    wall_s: Math.round(wall) / 1000,
    step_ms_mean: round1(loop.reduce((a, r) => a + r.ms, 0) / Math.max(1, loopSteps)),
    ...(loop.some((r) => r.steps > 1)
      ? { full_step_ms: round1(fullMs), cached_step_ms: round1(cachedMs) }
      : {}),
    runs_ms: runs.map((r) => (r.steps === 1 ? Math.round(r.ms) : `${Math.round(r.ms)}/${r.steps}`)),
    forward_ms: Math.round(result.timings.forward_ms),
  };
}

/** Runs `body` on a fresh engine unless the budget is too short for `needMs`; records what it returns. */
async function configuration(
  name: string,
  options: Omit<CreateEngineOptions, 'modelDir'> & { modelDir?: string },
  needMs: number,
  body: (engine: Engine, record: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const record: Record<string, unknown> = { name };
  runs.push(record);
  if (elapsed() + needMs > budgetMs) {
    record.skipped = `time budget: ${Math.round((budgetMs - elapsed()) / 1000)} s left, needs about ${Math.round(needMs / 1000)} s`;
    log(`${name}: skipped (${record.skipped})`);
    save();
    return;
  }
  memory.reset();
  let engine: Engine | undefined;
  try {
    const t = performance.now();
    engine = await createEngine({
      modelDir: options.modelDir ?? checkpoint(preset),
      device,
      ...options,
      log: (level, message, fields) => {
        if (level === 'debug') return;
        log(`  engine ${level}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
        // Warnings go into the record too (an fp16 overflow's lowered MLP scale, a fallback).
        if (level === 'warn')
          record.warnings = [...((record.warnings ?? []) as unknown[]), { message, ...fields }];
      },
    });
    record.load_s = Math.round(performance.now() - t) / 1000;
    record.engine = {
      device: engine.info.device,
      precision: engine.info.precision,
      dtype: engine.info.dtype,
    };
    log(`${name}: engine loaded in ${record.load_s} s (${JSON.stringify(record.engine)})`);
    await body(engine, record);
  } catch (error) {
    record.error = String(error instanceof Error ? error.message : error).split('\n')[0];
    log(`${name}: FAILED ${record.error}`);
  } finally {
    await engine?.close().catch(() => undefined);
    record.peak_device_mib = memory.peakMiB;
    record.peak_rss_mib = Math.round(process.resourceUsage().maxRSS / 1024);
    log(`${name}: ${JSON.stringify(record)}`);
    save();
  }
}

type ConfigName = 'fp16' | 'fp32' | 'int8' | 'int4';
/** fp16/fp32: the transformer's precision; int8/int4: quantized linear layers over the device's precision. */
function engineOptions(config: ConfigName): Pick<CreateEngineOptions, 'precision' | 'quant'> {
  return config === 'int8' || config === 'int4' ? { quant: config } : { precision: config };
}
const configs = (
  process.env.DIMOO_GPU_CHECK_CONFIGS ?? (device === 'cuda' ? 'fp16,int4,int8,fp32' : 'fp32,int8,int4')
)
  .split(',')
  .filter(Boolean) as ConfigName[];
const quantCache = join(workDir, 'dimoo-gpu-cache');

for (const config of configs) {
  const main = config === configs[0];
  const n = main ? steps : Math.min(steps, 16);
  const options = { ...engineOptions(config), cacheDir: quantCache };
  await configuration(`t2i ${config}`, options, main ? 60_000 : 90_000, async (engine, record) => {
    // A short run of the same shape first, so first-use allocations and kernel choices do not count.
    await engine.generate(t2i(size, 2));
    const plain = await timed(engine, t2i(size, n));
    record.t2i = { size, steps: n, ...plain, result: undefined };
    log(`${config} ${size}² × ${n}: ${plain.wall_s} s (${plain.step_ms_mean} ms/step)`);
    save();
    if (!main) return;
    await engine.generate(t2i(size, 16, { cache: true }));
    const cached = await timed(engine, t2i(size, steps, { cache: true }));
    record.t2i_ml_cache = { size, steps, ...cached, result: undefined };
    log(
      `${config} ${size}² × ${steps} with ML-Cache: ${cached.wall_s} s (full step ${cached.full_step_ms} ms, cached step ${cached.cached_step_ms} ms)`,
    );
    save();
    const items = Array.from({ length: 4 }, (_, i) => ({
      request: t2i(batchSize, steps, { seed: 100 + i }),
    }));
    await engine.generateBatch(items.map((it) => ({ request: { ...it.request, steps: 2 } })));
    const t = performance.now();
    const out = await engine.generateBatch(items);
    const wall = (performance.now() - t) / 1000;
    const failed = out.filter((r) => !('kind' in r));
    const single = await timed(engine, t2i(batchSize, steps, { seed: 100 }));
    record.batch = {
      jobs: 4,
      size: batchSize,
      steps,
      wall_s: Math.round(wall * 1000) / 1000,
      jobs_per_min: Math.round((4 / wall) * 60 * 10) / 10,
      single_wall_s: single.wall_s,
      throughput_gain: Math.round(((4 * single.wall_s) / wall) * 100) / 100,
      failed: failed.length,
    };
    log(`batch 4 × ${batchSize}²: ${wall.toFixed(2)} s vs ${single.wall_s} s alone`);
    save();
    // The same four as one request's grid (`count`), previews tiled once a second as a chat shows them: its time
    // against the batch's, and whether its first image is the batch's first (both share each pass; kernels may
    // still differ).
    const g = performance.now();
    const grid = (await engine.generate(t2i(batchSize, steps, { seed: 100, count: 4 }), {
      previewIntervalMs: 1000,
      onProgress: () => undefined,
    })) as ImageResult;
    const gridWall = (performance.now() - g) / 1000;
    const batchTokens = out.flatMap((r) => ('kind' in r && r.kind === 'image' ? [r.tokens.data] : []));
    const firstBatch = batchTokens[0];
    record.grid = {
      images: 4,
      size: batchSize,
      steps,
      wall_s: Math.round(gridWall * 1000) / 1000,
      vs_batch: Math.round((gridWall / wall) * 100) / 100,
      grid_pixels: `${grid.image.width}x${grid.image.height}`,
      first_image_equal_to_batch: firstBatch ? grid.tokens.data.every((v, i) => v === firstBatch[i]) : null,
    };
    log(`grid of 4 × ${batchSize}²: ${gridWall.toFixed(2)} s (the batch: ${wall.toFixed(2)} s)`);
    save();
    record.describe = await describeBoth(engine);
  });
}

/** A describe as the bot runs it (τ = 0, 128 answer tokens in blocks of 32), uncached and with the block cache. */
async function describeBoth(engine: Engine): Promise<Record<string, unknown>> {
  const side = 256; // the understanding crop scales it to its 1024-class bucket
  const data = new Uint8Array(side * side * 3).map((_, i) => (i * 13) % 256);
  const request: UnderstandRequest = {
    task: 'understand',
    image: { width: side, height: side, data },
    genLength: 128,
    blockLength: 32,
    steps: describeSteps,
  };
  await engine.generate({ ...request, steps: 4, cache: true });
  const run = async (cache: boolean) => {
    const t = performance.now();
    const answer = (await engine.generate({ ...request, cache })) as TextResult;
    return { s: Math.round(performance.now() - t) / 1000, tokens: answer.tokens };
  };
  const exact = await run(false);
  const cached = await run(true);
  const agreeing = exact.tokens.filter((t, i) => t === cached.tokens[i]).length;
  log(`describe × ${describeSteps} steps: ${exact.s} s, with the block cache ${cached.s} s`);
  return {
    gen_length: 128,
    block_length: 32,
    steps: describeSteps,
    exact_s: exact.s,
    cached_s: cached.s,
    speedup: Math.round((exact.s / cached.s) * 100) / 100,
    tokens_agreeing: `${agreeing} of ${exact.tokens.length}`,
  };
}

// τ = 0 agreement with fp32 on the small checkpoint (the same prompt, seed and schedule): the share of equal cells.
{
  const small = checkpoint('small');
  const compared: ConfigName[] = device === 'cuda' ? ['fp16', 'int8', 'int4'] : ['int8', 'int4'];
  const codes: Partial<Record<ConfigName, Int32Array>> = {};
  for (const config of ['fp32', ...compared] as ConfigName[]) {
    const options = { ...engineOptions(config), modelDir: small, cacheDir: quantCache };
    await configuration(`agreement ${config}`, options, 30_000, async (engine) => {
      const r = (await engine.generate(t2i(256, 16, { temperature: 0 }))) as ImageResult;
      codes[config] = r.tokens.data;
    });
  }
  const agreement: Record<string, unknown> = {};
  for (const config of compared) {
    const a = codes[config];
    const b = codes.fp32;
    if (!a || !b) continue;
    let same = 0;
    for (let i = 0; i < b.length; i++) if (a[i] === b[i]) same++;
    agreement[config] = { cells: b.length, equal: same, share: Math.round((same / b.length) * 1000) / 1000 };
    log(`${config} vs fp32 at τ = 0: ${same} of ${b.length} cells equal`);
  }
  results.agreement_with_fp32 = agreement;
}

// The fp16 overflow guard (engine/runtime/overflow-guard.ts) on this device's kernels: the small checkpoint with its
// last block's gate and up ×200, so SiLU(gate)·up passes fp16's 65504, drawn in fp16. The record says which rungs
// the MLP's scale went down to (its warnings) and what the image took. On the CPU only when asked
// (DIMOO_GPU_CHECK_GUARD=1): its fp16 kernels are far too slow (measured: 64² × 4 steps of the small preset, 164 s).
if (device === 'cuda' || process.env.DIMOO_GPU_CHECK_GUARD === '1') {
  const dir = join(workDir, 'dimoo-gpu-small-outlier');
  if (!existsSync(join(dir, 'config.json'))) {
    makeTestCheckpoint({ out: dir, preset: 'small', dtype: 'fp32' });
    const file = join(dir, 'model.safetensors');
    const { n_layers: layers } = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      n_layers: number;
    };
    const last = layers - 1;
    for (const name of ['ff_proj', 'up_proj'])
      scaleStoredTensor(file, `model.transformer.blocks.${last}.${name}.weight`, 200);
  }
  await configuration(
    'fp16 overflow guard',
    { precision: 'fp16', modelDir: dir },
    30_000,
    async (engine, record) => {
      const [side, n] = [Math.min(size, 256), Math.min(steps, 8)];
      const t = performance.now();
      const r = (await engine.generate(t2i(side, n))) as ImageResult;
      record.guard = {
        size: side,
        steps: n,
        wall_s: Math.round(performance.now() - t) / 1000,
        image: `${r.image.width}×${r.image.height}`,
        lowered_to: ((record.warnings ?? []) as Array<{ scale?: number }>).map((w) => w.scale),
      };
      log(`fp16 overflow guard: ${JSON.stringify(record.guard)}`);
    },
  );
}

memory.stop();
save();
log(`done in ${(elapsed() / 1000).toFixed(1)} s → ${outFiles.join(', ')}`);
process.exit(0);
