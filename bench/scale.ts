// The shared queue with 1 and 2 workers against the single-process queue, in wall time on the real Redis
// (REDIS_URL, default 127.0.0.1:6379), with an engine double whose run time is its cost estimate × a fixed rate
// (a 64-step 1024² image = `--ms-1024` ms), so only the queueing differs between the set-ups.
// Workload: two heavy users flood 20 jobs each at t=0 (one of 1024² images, one of 512²); light users arrive one by
// one during the flood with one cheap job each (describe or 512²).
//   node --import tsx bench/scale.ts [--ms-1024 400] [--light 12]
// Writes bench/results/scale.json: jobs/min, light users' p95 wait, Jain's index of the service the two backlogged
// heavy users received while both were backlogged, and the fairness figures' distance from the single process.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type EngineRequest,
  type EngineResult,
  estimateCost,
  type GenerateOptions,
} from '../engine/index.js';
import { mulberry32 } from '../engine/testing/mulberry32.js';
import { FrontQueue } from '../src/jobs/distributed/front-queue.js';
import { removeAllKeys, SharedState } from '../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../src/jobs/distributed/worker.js';
import {
  type JobEvent,
  JobQueue,
  type JobQueueApi,
  JobStore,
  type Owner,
  type StoredRequest,
} from '../src/jobs/index.js';

const { values } = parseArgs({
  options: { 'ms-1024': { type: 'string', default: '400' }, light: { type: 'string', default: '12' } },
});
const MS_1024 = Number(values['ms-1024']);
const LIGHT = Number(values.light);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const STEPS = 4;

const t2i = (size: number, tag: string): StoredRequest => ({
  task: 'text_to_image',
  prompt: `${tag} ${'x'.repeat(110)}`,
  width: size,
  height: size,
});
const describeJob = (tag: string): StoredRequest => ({
  task: 'text_to_image',
  prompt: tag,
  width: 256,
  height: 256,
});
const MS_PER_UNIT = MS_1024 / estimateCost(t2i(1024, 'ref') as EngineRequest);

/** Runs for cost × rate, in steps, honouring the abort signal: queueing is all that differs between set-ups. */
class CostClockEngine {
  readonly info = {
    device: 'cpu' as const,
    modelDir: '/bench-double',
    dtype: 'fp32' as const,
    dims: { dModel: 1, nLayers: 1, nHeads: 1, nKvHeads: 1, mlpHidden: 1, vocabSize: 1, codebookSize: 1 },
  };
  estimateCost(request: EngineRequest): number {
    return estimateCost(request);
  }
  async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    const total = estimateCost(request) * MS_PER_UNIT;
    for (let step = 1; step <= STEPS; step++) {
      await new Promise((resolve) => setTimeout(resolve, total / STEPS));
      if (options.signal?.aborted) throw new Error('cancelled');
      options.onProgress?.({ step, total: STEPS });
    }
    return {
      kind: 'image',
      image: { width: 16, height: 16, data: new Uint8Array(16 * 16 * 3) },
      tokens: { rows: 1, cols: 1, data: new Int32Array(1) },
      seed: 1,
      steps: STEPS,
      timings: { total_ms: total, forward_ms: total, load_ms: 0 },
    };
  }
}

interface Record_ {
  user: string;
  role: 'heavy' | 'light';
  submitted: number;
  started?: number;
  ended?: number;
}

const limits = {
  maxPerUser: 50,
  maxRunningPerUser: 1,
  maxPerScope: 1000,
  maxTotal: 1000,
  jobTimeoutMs: 600_000,
};

async function drive(queue: JobQueueApi, label: string): Promise<Record_[]> {
  const records = new Map<string, Record_>();
  const t0 = performance.now();
  queue.subscribe((e: JobEvent) => {
    const r = records.get(e.job.id);
    if (!r) return;
    if (e.type === 'started') r.started ??= performance.now() - t0;
    if (e.type === 'done' || e.type === 'failed') r.ended = performance.now() - t0;
  });
  const submit = (user: string, role: Record_['role'], request: StoredRequest) => {
    const owner: Owner = { platform: 'discord', userId: user };
    const result = queue.submit({ owner, scope: 'guild:1', kind: 'imagine', request });
    if (!result.ok) throw new Error(`${label}: refused ${result.refusal.key}`);
    records.set(result.job.id, { user, role, submitted: performance.now() - t0 });
  };
  for (let i = 0; i < 20; i++) {
    submit('heavy-1024', 'heavy', t2i(1024, `h1-${i}`));
    submit('heavy-512', 'heavy', t2i(512, `h2-${i}`));
  }
  const random = mulberry32(7);
  // Light users arrive over the first half of the single-worker flood.
  const floodMs = 20 * MS_1024 + 20 * estimateCost(t2i(512, 'r') as EngineRequest) * MS_PER_UNIT;
  const arrivals = Array.from({ length: LIGHT }, () => random() * floodMs * 0.5).sort((a, b) => a - b);
  for (const [u, at] of arrivals.entries()) {
    const wait = at - (performance.now() - t0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    submit(`light${u}`, 'light', random() < 0.6 ? describeJob(`l${u}`) : t2i(512, `l${u}`));
  }
  while ([...records.values()].some((r) => r.ended === undefined))
    await new Promise((r) => setTimeout(r, 20));
  return [...records.values()];
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (i - lo);
}

function summarize(records: Record_[]) {
  const makespan = Math.max(...records.map((r) => r.ended as number));
  const lightWaits = records
    .filter((r) => r.role === 'light')
    .map((r) => (r.started as number) - r.submitted);
  // Both heavy users are backlogged until the first of them has started its last job.
  const heavy = ['heavy-1024', 'heavy-512'];
  const windowEnd = Math.min(
    ...heavy.map((u) => Math.max(...records.filter((r) => r.user === u).map((r) => r.started as number))),
  );
  const service = heavy.map((u) =>
    records
      .filter((r) => r.user === u)
      .reduce((s, r) => s + Math.max(0, Math.min(windowEnd, r.ended as number) - (r.started as number)), 0),
  );
  const sum = service.reduce((a, b) => a + b, 0);
  const squares = service.reduce((a, b) => a + b * b, 0);
  return {
    jobs: records.length,
    makespan_s: Number((makespan / 1000).toFixed(2)),
    jobs_per_min: Number(((records.length / makespan) * 60_000).toFixed(1)),
    light_wait_p50_ms: Math.round(quantile(lightWaits, 0.5)),
    light_wait_p95_ms: Math.round(quantile(lightWaits, 0.95)),
    jain_backlogged: Number(((sum * sum) / (service.length * squares)).toFixed(3)),
    backlog_window_s: Number((windowEnd / 1000).toFixed(2)),
  };
}

async function singleProcess() {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-scale-')));
  const queue = new JobQueue({ store, engine: new CostClockEngine(), limits, maxBatch: 1 });
  queue.start();
  const records = await drive(queue, 'single');
  await queue.stop();
  store.close();
  return summarize(records);
}

async function distributed(workers: number) {
  const prefix = `dimoo-bench-${process.pid}-${workers}`;
  const states: SharedState[] = [];
  const open = () => {
    const s = new SharedState(REDIS_URL, prefix);
    states.push(s);
    return s;
  };
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-scale-')));
  const fe = new FrontQueue({ state: open(), url: REDIS_URL, store, engine: new CostClockEngine(), limits });
  await fe.connect();
  const running: DistributedWorker[] = [];
  for (let i = 0; i < workers; i++) {
    const w = new DistributedWorker({
      state: open(),
      url: REDIS_URL,
      engine: new CostClockEngine(),
      jobTimeoutMs: 600_000,
    });
    await w.start();
    running.push(w);
  }
  // Every worker has announced itself before the flood, as in a running deployment.
  while ((await states[0]?.snapshot())?.liveWorkers !== workers) await new Promise((r) => setTimeout(r, 50));
  const records = await drive(fe, `${workers} workers`);
  for (const w of running) await w.close(5000);
  await fe.stop();
  store.close();
  await removeAllKeys((states[0] as SharedState).redis, prefix);
  for (const s of states) await s.close();
  return summarize(records);
}

const single = await singleProcess();
const one = await distributed(1);
const two = await distributed(2);
const within = (a: number, b: number) => Number((Math.abs(a - b) / b).toFixed(3));
const out = {
  benchmark: 'scale',
  date: new Date().toISOString(),
  command: `npm run bench -- scale --ms-1024 ${MS_1024} --light ${LIGHT}`,
  workload: {
    heavy: '2 users flood 20 jobs each at t=0: 1024² (one user) and 512² (the other) text-to-image',
    light: `${LIGHT} users arriving over the first half of the flood, one job each (60% a 256² job, 40% 512²)`,
    engine: `double: run time = estimateCost × rate, 64-step 1024² = ${MS_1024} ms, ${STEPS} progress steps`,
    caps: 'QUEUE_MAX_RUNNING_PER_USER=1, admission caps off',
    jain: 'service time received by the two heavy users while both were backlogged (until the first started its last job)',
    redis: REDIS_URL.replace(/\/\/[^@/]*@/, '//'),
  },
  results: {
    single_process: single,
    workers_1: one,
    workers_2: two,
    fairness_vs_single_process: {
      jain_rel_diff_1_worker: within(one.jain_backlogged, single.jain_backlogged),
      jain_rel_diff_2_workers: within(two.jain_backlogged, single.jain_backlogged),
      light_p95_rel_diff_1_worker: within(one.light_wait_p95_ms, single.light_wait_p95_ms),
    },
  },
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/scale.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out.results, null, 2)}\n`);
process.exit(0);
