// How honest the queue's ETAs are: a mixed run of every job type through the real JobQueue and engine on the
// generated test checkpoint. Round 0 is a warm-up (each type measured once); then each round submits one job of
// every type at once, in a shuffled order. Per type it compares
//   run:   the `started` event's ETA with the job's measured run time;
//   ready: the ETA given at submission (wait + run) with the time from submission to done,
// as |predicted − actual| / actual, median and p90 over the measured rounds.
//   node --import tsx bench/eta.ts [--rounds 5] [--steps 8] [--preset tiny]
// Writes bench/results/eta.json.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine, encodePng, makeTestCheckpoint, type RgbImage } from '../engine/index.js';
import { mulberry32 } from '../engine/testing/mulberry32.js';
import { type JobEvent, JobQueue, JobStore, type StoredRequest } from '../src/jobs/index.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '8' },
    preset: { type: 'string', default: 'tiny' },
  },
});
const ROUNDS = Number(values.rounds);
const STEPS = Number(values.steps);
const PRESET = values.preset as 'tiny' | 'small';

const modelDir = join(tmpdir(), `dimoo-bench-eta-${PRESET}`);
if (!existsSync(join(modelDir, 'config.json')))
  makeTestCheckpoint({ out: modelDir, preset: PRESET, dtype: 'fp32' });
const engine = await createEngine({ modelDir, device: 'cpu' });
const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-bench-eta-')));
const queue = new JobQueue({
  store,
  engine,
  limits: { maxPerUser: 10, maxRunningPerUser: 1, maxPerScope: 100, maxTotal: 100, jobTimeoutMs: 600_000 },
});

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([i % 251, (i * 7) % 253, 128], i * 3);
  return { width, height, data };
}
const input = await encodePng(gradient(256, 256));

const TYPES: Record<string, { kind: 'imagine' | 'edit' | 'paint' | 'describe'; request: StoredRequest }> = {
  imagine: {
    kind: 'imagine',
    request: {
      task: 'text_to_image',
      prompt: 'a red fox in the snow',
      width: 256,
      height: 256,
      steps: STEPS,
    },
  },
  imagine_cache: {
    kind: 'imagine',
    request: {
      task: 'text_to_image',
      prompt: 'a red fox',
      width: 256,
      height: 256,
      steps: 2 * STEPS,
      cache: true,
    },
  },
  edit: {
    kind: 'edit',
    request: {
      task: 'image_to_image',
      editType: 'edit_add',
      prompt: 'a hat',
      image: { file: 'input.png' },
      steps: STEPS,
    },
  },
  retouch: {
    kind: 'paint',
    request: {
      task: 'paint',
      prompt: 'a boat',
      image: { file: 'input.png' },
      region: { kind: 'boxes', boxes: [{ x: 0.25, y: 0.25, w: 0.5, h: 0.5 }] },
      steps: STEPS,
    },
  },
  zoom_out: {
    kind: 'paint',
    request: {
      task: 'paint',
      prompt: 'a wider view',
      image: { file: 'input.png' },
      region: { kind: 'extend', left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 },
      steps: STEPS,
    },
  },
  describe: {
    kind: 'describe',
    request: {
      task: 'understand',
      image: { file: 'input.png' },
      question: 'What is in the picture?',
      genLength: 32,
      blockLength: 32,
      steps: 32,
    },
  },
};

interface Sample {
  type: string;
  round: number;
  runPredictedMs: number;
  runActualMs: number;
  readyPredictedMs: number;
  readyActualMs: number;
}
const samples: Sample[] = [];
const events: JobEvent[] = [];
queue.subscribe((e) => events.push(e));
queue.start();
const random = mulberry32(7);

for (let round = 0; round <= ROUNDS; round++) {
  const order = Object.keys(TYPES).sort(() => random() - 0.5);
  const submitted = new Map<string, { type: string; at: number; readyPredictedMs: number }>();
  for (const type of order) {
    const { kind, request } = TYPES[type]!;
    const result = queue.submit({
      owner: { platform: 'cli', userId: type },
      scope: 'bench',
      kind,
      request,
      files: JSON.stringify(request).includes('input.png') ? { 'input.png': input } : undefined,
    });
    if (!result.ok) throw new Error(result.refusal.key);
    submitted.set(result.job.id, {
      type,
      at: performance.now(),
      readyPredictedMs: result.etaMs + queue.expectedMs(result.job),
    });
  }
  const done = new Map<string, number>();
  await new Promise<void>((resolve) => {
    const poll = () => {
      for (const e of events.splice(0)) {
        if (e.type === 'failed') throw new Error(`${e.job.id} failed: ${JSON.stringify(e.job.error)}`);
        if (e.type === 'done' && submitted.has(e.job.id)) done.set(e.job.id, performance.now());
        if (e.type === 'started' && submitted.has(e.job.id)) {
          (submitted.get(e.job.id) as { runPredictedMs?: number }).runPredictedMs = e.etaMs;
        }
      }
      if (done.size === submitted.size) resolve();
      else setTimeout(poll, 5);
    };
    poll();
  });
  for (const [id, s] of submitted) {
    const job = store.get(id);
    samples.push({
      type: s.type,
      round,
      runPredictedMs: (s as { runPredictedMs?: number }).runPredictedMs ?? 0,
      runActualMs: job?.measuredMs ?? 0,
      readyPredictedMs: s.readyPredictedMs,
      readyActualMs: (done.get(id) ?? 0) - s.at,
    });
  }
  process.stdout.write(`round ${round} done\n`);
}
await queue.stop({ waitMs: 1000 });
store.close();
await engine.close();

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const error = (p: number, a: number) => Math.abs(p - a) / Math.max(a, 1);
const summary = (list: Sample[]) => {
  const run = list.map((s) => error(s.runPredictedMs, s.runActualMs));
  const ready = list.map((s) => error(s.readyPredictedMs, s.readyActualMs));
  const r3 = (x: number) => Number(x.toFixed(3));
  return {
    samples: list.length,
    run_error_median: r3(quantile(run, 0.5)),
    run_error_p90: r3(quantile(run, 0.9)),
    ready_error_median: r3(quantile(ready, 0.5)),
    ready_error_p90: r3(quantile(ready, 0.9)),
    mean_run_ms: Math.round(list.reduce((a, s) => a + s.runActualMs, 0) / Math.max(list.length, 1)),
  };
};
const measured = samples.filter((s) => s.round > 0);
const perType = Object.fromEntries(
  Object.keys(TYPES).map((t) => [t, summary(measured.filter((s) => s.type === t))]),
);
const all = summary(measured);
for (const [t, v] of Object.entries(perType)) process.stdout.write(`${t}: ${JSON.stringify(v)}\n`);
process.stdout.write(`all: ${JSON.stringify(all)}\n`);

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/eta.json', import.meta.url),
  `${JSON.stringify(
    {
      benchmark: 'eta',
      date: new Date().toISOString(),
      command: `npm run bench -- eta --rounds ${ROUNDS} --steps ${STEPS} --preset ${PRESET}`,
      device: engine.info.device,
      workload: `generated ${PRESET} checkpoint on CPU; round 0 warms each type's calibration and is not counted; each of ${ROUNDS} rounds submits one job of every type at once, shuffled; 256² images, ${STEPS} steps (ML-Cache ${2 * STEPS}), describe 32 tokens`,
      error:
        '|predicted − actual| / actual; run: started-event ETA vs measured run; ready: ETA at submission vs submission→done',
      goal: 'median ≤ 0.25 per type',
      per_type: perType,
      all,
    },
    null,
    2,
  )}\n`,
);
