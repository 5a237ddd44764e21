// `bench/gpu.ts --probe`: where one 1024² step of the 8B graph spends its time on the GPU, before tuning it.
//   attention — the engine's attention forms alone at the 8B text-to-image shape (2 rows of L tokens, the second
//               padded), each timed as (9 chained − 1) / 8 runs, with its largest difference from plain fp32
//               attention, and which kernel onnxruntime chose (ORT_ENABLE_ATTENTION_KERNEL_DEBUG_INFO);
//   profile   — a child process with CUDA_LAUNCH_BLOCKING=1 (so each node's host time is its GPU time) runs two
//               steps of the image-step graph and a short ML-Cache run with onnxruntime's profiler, summed by
//               operator type and provider;
//   steps     — ms per step of text-to-image at 1024² and a whole 64-step ML-Cache run, unprofiled.
// → $OUT/gpu-probe.json (and the raw profiles in $OUT/profiles).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LladaGraph } from '../engine/graphs/transformer.js';
import { createEngine, type ImageResult, type TextToImageRequest } from '../engine/index.js';
import { encodeModel } from '../engine/onnx/graph.js';
import { createSession, releaseSession, runSession, Tensor } from '../engine/runtime/ort.js';

type Json = Record<string, unknown>;
const D = 4096;
const H = 32;

const dims = {
  dModel: D,
  nLayers: 1,
  nHeads: H,
  nKvHeads: H,
  mlpHidden: 1,
  vocabSize: 1,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  weightTying: true,
};

type Form = 'plain-fp32' | 'input' | 'heads' | 'lengths' | 'none';

/** q, k, v [N, L, D] and mask [N, L] → R chained attentions (the output is the next query) → [N, L, D] fp32. */
function attentionGraph(form: Form, repeats: number): Uint8Array {
  const m = new LladaGraph({
    dims,
    weight: () => {
      throw new Error('no weights in the attention probe');
    },
    folder: '',
    half: form !== 'plain-fp32',
    contrib:
      form === 'plain-fp32' ? {} : { attention: true, attentionMask: form === 'heads' ? 'heads' : 'input' },
  });
  const { g } = m;
  const q = g.input('q', 'float32', ['N', 'L', D]);
  const k = g.input('k', 'float32', ['N', 'L', D]);
  const v = g.input('v', 'float32', ['N', 'L', D]);
  const mask = g.input('mask', 'int64', ['N', 'L']);
  const four = (x: string) => g.op('Reshape', [x, g.ints([0, 0, H, D / H])]);
  const half = (x: string) => g.op('Cast', [x], { to: 10 });
  const direct = (x: string) =>
    g.op(
      'Cast',
      [
        g.op(
          'MultiHeadAttention',
          [half(x), half(k), half(v)],
          { num_heads: H },
          { domain: 'com.microsoft' },
        ),
      ],
      { to: 1 },
    );
  const keys = form === 'none' ? undefined : m.keyMask(mask);
  let x = q;
  for (let r = 0; r < repeats; r++) x = keys ? m.toFloat(m.attend(four(x), four(k), v, keys)) : direct(x);
  g.output(x, 'out', 'float32', ['N', 'L', D]);
  return encodeModel(g, { opset: 21, domains: { 'com.microsoft': 1 } });
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  return out;
}

async function withEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function attentionProbe(device: 'cuda' | 'cpu', L: number, log: (s: string) => void): Promise<Json> {
  const N = 2;
  const pad = 96; // the unconditional row is this much shorter, as its prompt is
  const feeds = {
    q: new Tensor('float32', random(N * L * D, 1), [N, L, D]),
    k: new Tensor('float32', random(N * L * D, 2), [N, L, D]),
    v: new Tensor('float32', random(N * L * D, 3), [N, L, D]),
    mask: new Tensor(
      'int64',
      BigInt64Array.from({ length: N * L }, (_, i) => (i < L || i - L < L - pad ? 1n : 0n)),
      [N, L],
    ),
  };
  const variants: Array<{ name: string; form: Form; env?: Record<string, string> }> = [
    { name: 'plain fp32 ops (ML-Cache graphs before)', form: 'plain-fp32' },
    { name: 'MHA key_padding_mask [N, L] (image step before)', form: 'input' },
    { name: 'MHA mask in extra head dims', form: 'heads' },
    { name: 'MHA no mask (not exact: lower bound)', form: 'none' },
    { name: 'MHA key lengths [N] (image step now)', form: 'lengths' },
    {
      name: 'MHA key lengths [N], cuDNN SDPA',
      form: 'lengths',
      env: { ORT_ENABLE_CUDNN_FLASH_ATTENTION: '1' },
    },
    {
      name: 'MHA mask in extra head dims, cuDNN SDPA',
      form: 'heads',
      env: { ORT_ENABLE_CUDNN_FLASH_ATTENTION: '1' },
    },
  ];
  let reference: Float32Array | undefined;
  const rows: Json[] = [];
  for (const variant of variants) {
    const row: Json = { name: variant.name };
    rows.push(row);
    try {
      // onnxruntime's CUDA provider reads its attention switches when a session is created.
      const open = (r: number) =>
        withEnv({ ORT_ENABLE_ATTENTION_KERNEL_DEBUG_INFO: '1', ...variant.env }, async () => {
          return (await createSession(attentionGraph(variant.form, r), { device })).session;
        });
      const one = await open(1);
      const nine = await open(9);
      const time = async (s: Awaited<ReturnType<typeof open>>) => {
        await runSession(s, feeds);
        const ms: number[] = [];
        for (let i = 0; i < 3; i++) {
          const t = performance.now();
          await runSession(s, feeds);
          ms.push(performance.now() - t);
        }
        return median(ms);
      };
      const out = (await runSession(one, feeds)).out?.data as Float32Array;
      reference ??= out;
      let diff = 0;
      for (let i = 0; i < out.length; i++) diff = Math.max(diff, Math.abs(out[i]! - reference[i]!));
      const t1 = await time(one);
      const t9 = await time(nine);
      row.ms_per_attention = Math.round(((t9 - t1) / 8) * 100) / 100;
      row.run_ms = { r1: Math.round(t1), r9: Math.round(t9) };
      row.max_abs_diff_vs_plain_fp32 = diff;
      await releaseSession(one);
      await releaseSession(nine);
    } catch (error) {
      row.error = String(error instanceof Error ? error.message : error).split('\n')[0];
    }
    log(`attention: ${JSON.stringify(row)}`);
  }
  return { N, L, pad, D, H, variants: rows };
}

type ProfileEvent = {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string; provider?: string };
};

/**
 * Node time summed by operator and provider (µs → ms) over a profile's last image step and its last ML-Cache
 * interval: the drawing session runs both, and an interval is a run whose ML-Cache Loop body ran (its nodes are
 * named loop_…; an image step runs that Loop zero times).
 */
export function summarizeProfile(file: string): Json {
  const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const nodes = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'));
  const inRun = (run: ProfileEvent) =>
    nodes.filter((e) => (e.ts ?? 0) >= (run.ts ?? 0) && (e.ts ?? 0) <= (run.ts ?? 0) + (run.dur ?? 0));
  const isLoop = (e: ProfileEvent) => e.name?.startsWith('loop_') === true;
  const lastStep = runs.findLast((r) => !inRun(r).some(isLoop));
  const lastInterval = runs.findLast((r) => inRun(r).some(isLoop));
  return {
    file,
    runs: runs.length,
    run_ms: runs.map((r) => Math.round((r.dur ?? 0) / 1000)),
    ...(lastStep ? { step: summarizeRun(inRun(lastStep)) } : {}),
    ...(lastInterval ? { interval: summarizeRun(inRun(lastInterval)) } : {}),
  };
}

/**
 * One run's nodes by operator, its slowest nodes, and the ML-Cache Loop body apart. The If and Loop nodes' own times
 * contain their subgraphs' nodes, so they are left out of the sums and listed as `control_flow_ms`.
 */
function summarizeRun(inRun: ProfileEvent[]): Json {
  const control = (e: ProfileEvent) => e.args?.op_name === 'If' || e.args?.op_name === 'Loop';
  const inLoop = inRun.filter((e) => e.name?.startsWith('loop_') && !control(e));
  const outside = inRun.filter((e) => !e.name?.startsWith('loop_') && !control(e));
  const byOp = (list: ProfileEvent[]) => {
    const map = new Map<string, { ms: number; count: number }>();
    for (const e of list) {
      const key = `${e.args?.op_name ?? '?'} @${e.args?.provider ?? '?'}`;
      const entry = map.get(key) ?? { ms: 0, count: 0 };
      entry.ms += (e.dur ?? 0) / 1000;
      entry.count++;
      map.set(key, entry);
    }
    return [...map.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([op, v]) => ({ op, ms: Math.round(v.ms * 10) / 10, count: v.count }));
  };
  const sum = (list: ProfileEvent[]) => list.reduce((a, e) => a + (e.dur ?? 0) / 1000, 0);
  const top = (list: ProfileEvent[]) =>
    [...list]
      .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
      .slice(0, 12)
      .map((e) => ({ node: e.name, op: e.args?.op_name, ms: (e.dur ?? 0) / 1000 }));
  const perName = new Map<string, number>();
  for (const e of inLoop) perName.set(e.name ?? '', (perName.get(e.name ?? '') ?? 0) + 1);
  const iterations = Math.max(0, ...perName.values());
  return {
    control_flow_ms: Object.fromEntries(
      inRun.filter(control).map((e) => [`${e.args?.op_name} ${e.name}`, Math.round((e.dur ?? 0) / 100) / 10]),
    ),
    nodes_ms: Math.round(sum(outside)),
    // The fp16 MLP's scale (engine/runtime/overflow-guard.ts): its two Muls per block, inside and outside the Loop.
    mlp_scale_ms: Math.round(sum(inRun.filter((e) => e.name?.includes('mlp_scale'))) * 10) / 10,
    by_op: byOp(outside),
    top_nodes: top(outside),
    ...(iterations > 0
      ? {
          loop: {
            iterations,
            nodes_ms: Math.round(sum(inLoop)),
            ms_per_iteration: Math.round((sum(inLoop) / iterations) * 10) / 10,
            by_op: byOp(inLoop),
            top_nodes: top(inLoop),
          },
        }
      : {}),
  };
}

const t2i = (size: number, steps: number, cache = false): TextToImageRequest => ({
  task: 'text_to_image',
  prompt: 'a red fox in the snow, detailed fur, golden hour',
  width: size,
  height: size,
  steps,
  seed: 42,
  cache,
});

/**
 * In the child (CUDA_LAUNCH_BLOCKING=1): two image steps and a 21-step ML-Cache run, profiled. 21 steps end on a
 * refresh interval of one full step and four cached ones (full steps 0–6, 11, 16), the run a summary reads.
 */
export async function profileChild(modelDir: string, device: 'cuda' | 'cpu', dir: string, size: number) {
  mkdirSync(dir, { recursive: true });
  const engine = await createEngine({ modelDir, device, warm: false, profilePrefix: join(dir, 'session') });
  await engine.generate(t2i(size, 2));
  await engine.generate(t2i(size, 21, true));
  await engine.close();
}

export async function runProbe(o: {
  modelDir: string;
  device: 'cuda' | 'cpu';
  size: number;
  outDir: string;
  script: string;
  log: (s: string) => void;
}): Promise<void> {
  const result: Json = { started_at: new Date().toISOString(), size: o.size };
  const save = () => {
    mkdirSync(o.outDir, { recursive: true });
    writeFileSync(join(o.outDir, 'gpu-probe.json'), `${JSON.stringify(result, null, 2)}\n`);
  };
  const L = (o.size / 16) * (o.size / 16 + 1) + 128; // the grid with its newline column, and the prompt
  result.attention = await attentionProbe(o.device, Math.ceil(L / 8) * 8, o.log);
  save();

  const dir = join(o.outDir, 'profiles');
  const t = performance.now();
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, o.script, '--probe-child', o.modelDir, dir, String(o.size)],
    {
      env: { ...process.env, CUDA_LAUNCH_BLOCKING: '1', DEVICE: o.device },
      stdio: 'inherit',
    },
  );
  result.profile_child = { rc: child.status, s: Math.round(performance.now() - t) / 1000 };
  try {
    result.profiles = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => summarizeProfile(join(dir, f)))
      .filter((s) => (s.runs as number) > 0);
    for (const p of result.profiles as Json[])
      for (const kind of ['step', 'interval'] as const) {
        const part = p[kind] as Json | undefined;
        if (!part) continue;
        const top = JSON.stringify((part.by_op as Json[]).slice(0, 8));
        o.log(`profile ${p.file} (${kind}): runs ${JSON.stringify(p.run_ms)}, top ${top}`);
      }
  } catch (error) {
    result.profiles_error = String(error);
  }
  save();

  const engine = await createEngine({ modelDir: o.modelDir, device: o.device, warm: false });
  await engine.generate(t2i(o.size, 2));
  const steps: number[] = [];
  let t0 = performance.now();
  const r = (await engine.generate(t2i(o.size, 16), {
    onProgress: (p) => {
      if (p.phase) return; // not a step: the decode begins
      steps.push(performance.now() - t0);
      t0 = performance.now();
    },
  })) as ImageResult;
  result.t2i_16 = {
    ms_per_step: Math.round(median(steps.slice(1))),
    forward_ms: Math.round(r.timings.forward_ms),
  };
  o.log(`t2i ${o.size}² × 16: ${JSON.stringify(result.t2i_16)}`);
  save();
  await engine.generate(t2i(o.size, 16, true));
  const tc = performance.now();
  await engine.generate(t2i(o.size, 64, true));
  result.t2i_ml_cache_64_s = Math.round(performance.now() - tc) / 1000;
  const tp = performance.now();
  await engine.generate(t2i(o.size, 64));
  result.t2i_64_s = Math.round(performance.now() - tp) / 1000;
  o.log(`t2i ${o.size}² × 64: ${result.t2i_64_s} s; with ML-Cache ${result.t2i_ml_cache_64_s} s`);
  await engine.close();
  save();
}
