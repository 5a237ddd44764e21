// `npm run bench -- event-loop [--size 1024] [--steps 16] [--rounds 3]`: what a job does to the main thread's
// event loop (the web server, the chat sockets, the queue's timers) with the engine's sessions on their own thread
// (the default, engine/runtime/session-thread.ts) and on the main thread (`sessionThread: false`), taking turns on
// the bundled-size tiny checkpoint with previews every 1.5 s as the bot asks for them. Per run: the loop's delay
// (monitorEventLoopDelay: how late its timer fired, p50, p99, max), the job's wall time, its time inside the graph
// runs and its previews → bench/results/event-loop.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine/index.js';
import { benchCheckpoint } from './lib/checkpoint.js';

const args = process.argv.slice(2);
const numberArg = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const size = numberArg('--size', 1024);
const steps = numberArg('--steps', 16);
const rounds = numberArg('--rounds', 3);
const modelDir = benchCheckpoint('tiny');
// The histogram holds each sampling timer's whole interval; past the resolution is how late the loop let it fire.
const RESOLUTION_MS = 10;
const late = (ns: number) => Number(Math.max(0, ns / 1e6 - RESOLUTION_MS).toFixed(1));

async function measure(sessionThread: boolean) {
  const engine = await createEngine({ modelDir, device: 'cpu', sessionThread });
  const request = {
    task: 'text_to_image',
    prompt: 'a lighthouse at dusk',
    width: size,
    height: size,
  } as const;
  await engine.generate({ ...request, steps: 2, seed: 1 });
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let previews = 0;
  const started = performance.now();
  const result = await engine.generate(
    { ...request, steps, seed: 7 },
    { previewIntervalMs: 1500, onProgress: (event) => event.preview && previews++ },
  );
  const wallMs = performance.now() - started;
  delay.disable();
  await engine.close();
  return {
    sessions: sessionThread ? 'own thread' : 'main thread',
    wall_ms: Math.round(wallMs),
    forward_ms: Math.round(result.timings.forward_ms),
    previews,
    loop_late_p50_ms: late(delay.percentile(50)),
    loop_late_p99_ms: late(delay.percentile(99)),
    loop_late_max_ms: late(delay.max),
  };
}

const results = [];
for (let round = 0; round < rounds; round++)
  for (const sessionThread of round % 2 === 0 ? [true, false] : [false, true]) {
    const row = await measure(sessionThread);
    process.stdout.write(`${JSON.stringify(row)}\n`);
    results.push(row);
  }
const out = fileURLToPath(new URL('./results/event-loop.json', import.meta.url));
mkdirSync(join(out, '..'), { recursive: true });
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;
const command = `npm run bench -- event-loop --size ${size} --steps ${steps} --rounds ${rounds}`;
writeFileSync(
  out,
  `${JSON.stringify({ when: new Date().toISOString(), machine, command, results }, null, 2)}\n`,
);
process.stdout.write(`wrote ${out}\n`);
