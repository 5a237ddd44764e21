// `npm run bench -- engine-tasks [--preset small] [--steps 8]`: per-step time of every DiMOO task on a generated
// checkpoint: text-to-image 256² (2 branches), image-to-image from a square input (512² output, 3 branches over
// two image blocks), painting a 256² image (half the cells), understanding a 1024-class crop (block diffusion,
// full-vocabulary logits); text-to-image with and without ML-Cache (`--only mlcache` runs just that part); and
// the throughput of 1, 2 and 4 text-to-image jobs sharing forward passes (`--only batch`).
// → bench/results/engine-tasks.json
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createEngine,
  type Engine,
  type EngineRequest,
  makeTestCheckpoint,
  type Preset,
  type RgbImage,
} from '../engine/index.js';

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) % 256;
  return { width, height, data };
}

async function timeTask(engine: Engine, name: string, request: EngineRequest) {
  // A short warm-up of the same shape so first-run allocations do not count.
  await engine.generate({
    ...request,
    steps: request.task === 'understand' ? request.genLength! / request.blockLength! : 1,
  } as EngineRequest);
  const stamps: number[] = [];
  const started = performance.now();
  const result = await engine.generate(request, { onProgress: () => stamps.push(performance.now()) });
  // The first step of each run also holds the crop and the VQ encode; the mean over steps 2… is the loop alone.
  const stepMs = stamps.map((t, i) => t - (i === 0 ? started : stamps[i - 1]!));
  const loop = stepMs.slice(1);
  return {
    task: name,
    steps_run: stamps.length,
    step_ms_mean: Math.round((loop.reduce((s, v) => s + v, 0) / Math.max(1, loop.length)) * 10) / 10,
    step_ms_min: Math.round(Math.min(...loop) * 10) / 10,
    first_step_ms: Math.round(stepMs[0] ?? 0),
    forward_ms_total: Math.round(result.timings.forward_ms),
    total_ms: Math.round(result.timings.total_ms),
  };
}

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const preset = opt('preset', 'small') as Preset;
const steps = Number(opt('steps', '8'));
const dir = join(tmpdir(), `dimoo-bench-${preset}`);
if (!existsSync(join(dir, 'config.json'))) makeTestCheckpoint({ out: dir, preset, dtype: 'bf16' });
const engine = await createEngine({ modelDir: dir, device: 'auto' });
const only = opt('only', 'all');
const previous = (() => {
  try {
    return JSON.parse(
      readFileSync(fileURLToPath(new URL('./results/engine-tasks.json', import.meta.url)), 'utf8'),
    );
  } catch {
    return {};
  }
})();
let results = previous.results ?? [];
if (only === 'all' || only === 'tasks') {
  results = [];
  const square = gradient(320, 320);
  for (const [name, request] of [
    [
      'text_to_image 256x256',
      { task: 'text_to_image', prompt: 'a red fox', width: 256, height: 256, steps, seed: 1 },
    ],
    [
      'image_to_image edit_add 512x512',
      { task: 'image_to_image', editType: 'edit_add', prompt: 'a hat', image: square, steps, seed: 1 },
    ],
    [
      'image_to_image image_ref_transfer 512x512',
      {
        task: 'image_to_image',
        editType: 'image_ref_transfer',
        prompt: '',
        image: square,
        refImage: square,
        steps,
        seed: 1,
      },
    ],
    [
      'paint inpaint 0.5x1 256x256',
      {
        task: 'paint',
        prompt: 'a boat',
        image: gradient(256, 256),
        region: { kind: 'inpaint_ratio', hRatio: 1, wRatio: 0.5 },
        steps,
        seed: 1,
      },
    ],
    [
      'understand 1024x1024 gen 64 block 32',
      { task: 'understand', image: square, genLength: 64, blockLength: 32, steps: 2 * steps },
    ],
  ] as Array<[string, EngineRequest]>) {
    const row = await timeTask(engine, name, request);
    process.stdout.write(`${JSON.stringify(row)}\n`);
    results.push(row);
  }
}
let mlCache = previous.ml_cache ?? [];
if (only === 'all' || only === 'mlcache') {
  mlCache = [];
  const cacheSteps = Number(opt('cache-steps', '32'));
  const { resolveMlCache } = await import('../engine/sampling/ml-cache.js');
  const plan = resolveMlCache(true, cacheSteps)!;
  const sizes = opt('sizes', '256,512').split(',').map(Number);
  for (const size of sizes) {
    const request = {
      task: 'text_to_image' as const,
      prompt: 'a red fox',
      width: size,
      height: size,
      steps: cacheSteps,
      seed: 1,
    };
    await engine.generate({ ...request, steps: 2 });
    await engine.generate({ ...request, steps: 8, cache: true });
    // Interleaved and repeated, keeping each mode's fastest run: the VM is shared, so load from other processes
    // would otherwise land on whichever mode ran during it.
    const runs: Array<{ cache: boolean; total: number; forward: number }> = [];
    for (let r = 0; r < 2; r++) {
      for (const cache of [true, false]) {
        const t = (await engine.generate({ ...request, cache })).timings;
        runs.push({ cache, total: t.total_ms, forward: t.forward_ms });
      }
    }
    const best = (cache: boolean) =>
      runs.filter((x) => x.cache === cache).reduce((a, b) => (b.total < a.total ? b : a));
    const plain = { timings: { total_ms: best(false).total, forward_ms: best(false).forward } };
    const cached = { timings: { total_ms: best(true).total, forward_ms: best(true).forward } };
    // Forward-token units (derived from the plan): full steps run every position of both branches, cached
    // steps about (1 − cache_ratio) of them.
    const cachedSteps = cacheSteps - plan.fullCount;
    const unitsRatio = (plan.fullCount + cachedSteps * (1 - plan.cacheRatio)) / cacheSteps;
    const row = {
      size: `${size}x${size}`,
      steps: cacheSteps,
      full_steps: plan.fullCount,
      plain_total_ms: Math.round(plain.timings.total_ms),
      cached_total_ms: Math.round(cached.timings.total_ms),
      plain_forward_ms: Math.round(plain.timings.forward_ms),
      cached_forward_ms: Math.round(cached.timings.forward_ms),
      speedup_wall: Number((plain.timings.total_ms / cached.timings.total_ms).toFixed(2)),
      forward_units_ratio_derived: Number(unitsRatio.toFixed(3)),
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    mlCache.push(row);
  }
}
let batching = previous.batching ?? [];
if (only === 'all' || only === 'batch') {
  // Throughput of 1, 2 and 4 text-to-image jobs of one shape submitted together (engine.generateBatch shares
  // every forward pass between them), each size repeated in interleaved rounds keeping its fastest run.
  batching = [];
  const batchSteps = Number(opt('batch-steps', String(steps)));
  const prompts = ['a red fox', 'a lighthouse on a cliff at dusk', 'a bowl of ramen', 'two cats in the snow'];
  const jobs = (n: number) =>
    prompts.slice(0, n).map((prompt, i) => ({
      request: {
        task: 'text_to_image' as const,
        prompt,
        width: 256,
        height: 256,
        steps: batchSteps,
        seed: i + 1,
      },
    }));
  await engine.generateBatch(jobs(2).map((j) => ({ request: { ...j.request, steps: 1 } })));
  const sizes = [1, 2, 4];
  const best = new Map<number, number>();
  for (let round = 0; round < Number(opt('rounds', '2')); round++) {
    for (const n of sizes) {
      const started = performance.now();
      const out = await engine.generateBatch(jobs(n));
      const ms = performance.now() - started;
      if (out.some((r) => r instanceof Error)) throw new Error(`batch of ${n} failed: ${String(out[0])}`);
      best.set(n, Math.min(best.get(n) ?? Number.POSITIVE_INFINITY, ms));
    }
  }
  const single = best.get(1)!;
  for (const n of sizes) {
    const ms = best.get(n)!;
    const row = {
      jobs: n,
      size: '256x256',
      steps: batchSteps,
      wall_ms: Math.round(ms),
      jobs_per_min: Number(((n * 60_000) / ms).toFixed(2)),
      throughput_gain: Number(((n * single) / ms).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    batching.push(row);
  }
}
const device = engine.info.device;
await engine.close();
const out = fileURLToPath(new URL('./results/engine-tasks.json', import.meta.url));
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      when: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
      command: `npm run bench -- engine-tasks --preset ${preset} --steps ${steps} [--only tasks|mlcache|batch]`,
      preset,
      device,
      note: 'step_ms_mean excludes the first step (crop + VQ encode happen before it); understanding stops early once </answer> appears, which a random model rarely emits',
      results,
      ml_cache: mlCache,
      batching,
      batching_note:
        'jobs submitted together through engine.generateBatch (one image-step graph run per step for all of them, J jobs × 2 CFG branches); throughput_gain = n × wall(1 job) / wall(n jobs)',
      ml_cache_note:
        'per-step path on CPU: full steps run a graph that also returns pre-RoPE K/V and all image logits; cached steps recompute the selected rows against the cached K/V; guidance and sampling on the host',
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`wrote ${out}\n`);
