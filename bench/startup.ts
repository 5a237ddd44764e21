// Whole-command cost of `dimoo imagine` against its own generation time: each run is a fresh process (as a user
// runs it), and the variants take turns within each round, so a busy machine colours them alike.
//   node --import tsx bench/startup.ts [--runs 7] [--size 256] [--steps 16] [--model DIR] [--baseline DIR]
// Variants: `bin` (bin/dimoo.js as installed), `tsx` (the sources through tsx, as bin/dimoo.js ran them before
// the bundle), and with --baseline `baseline` (DIR/bin/dimoo.js of another checkout, e.g. the previous revision).
// Whole-command CPU is user+sys of the process (bench/startup-probe.mjs); generation is the `timings.total_ms` the
// command reports. Medians go to bench/results/startup.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeTestCheckpoint } from '../engine/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    size: { type: 'string', default: '256' },
    steps: { type: 'string', default: '16' },
    model: { type: 'string' },
    baseline: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(os.tmpdir(), 'dimoo-bench-startup-'));
const model = values.model ?? join(work, 'small');
if (!values.model) makeTestCheckpoint({ out: model, preset: 'small', seed: 1 });
const probe = join(root, 'bench/startup-probe.mjs');

const TSX_MAIN =
  "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));";
const variants: Record<string, { cwd: string; args: string[] }> = {
  bin: { cwd: root, args: ['bin/dimoo.js'] },
  tsx: { cwd: root, args: ['--import', 'tsx', '--input-type=module', '-e', TSX_MAIN] },
};
if (values.baseline) variants.baseline = { cwd: values.baseline, args: ['bin/dimoo.js'] };

interface Sample {
  wall_ms: number;
  cpu_ms: number;
  generation_ms: number;
}

function once(name: string, variant: { cwd: string; args: string[] }): Sample {
  const cpuFile = join(work, `${name}.cpu.json`);
  const out = join(work, `${name}.png`);
  const argv = [
    ...['imagine', '--model', model, '--prompt', 'a red fox in the snow', '--seed', '1', '--device', 'cpu'],
    ...[
      '--width',
      values.size as string,
      '--height',
      values.size as string,
      '--steps',
      values.steps as string,
    ],
    ...['--out', out, '--json'],
  ];
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', probe, ...variant.args, ...argv], {
    cwd: variant.cwd,
    env: { ...process.env, DIMOO_BENCH_CPU_FILE: cpuFile },
    encoding: 'utf8',
  });
  const wall = performance.now() - started;
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
  const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as { user_ms: number; sys_ms: number };
  const report = JSON.parse(r.stdout) as { timings: { total_ms: number } };
  return { wall_ms: wall, cpu_ms: cpu.user_ms + cpu.sys_ms, generation_ms: report.timings.total_ms };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, d = 0) => Math.round(x * 10 ** d) / 10 ** d;

const loadBefore = os.loadavg();
// One unrecorded run each: builds the bundle if stale, fills the page cache.
for (const [name, v] of Object.entries(variants)) once(name, v);
const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, v] of Object.entries(variants)) {
    const s = once(name, v);
    samples[name]?.push(s);
    process.stdout.write(
      `${name.padEnd(9)} run ${i + 1}: wall ${round(s.wall_ms)} ms, cpu ${round(s.cpu_ms)} ms, generation ${round(s.generation_ms)} ms\n`,
    );
  }
}

const summary = Object.fromEntries(
  Object.entries(samples).map(([name, runs]) => {
    const wall = median(runs.map((s) => s.wall_ms));
    const cpu = median(runs.map((s) => s.cpu_ms));
    const generation = median(runs.map((s) => s.generation_ms));
    return [
      name,
      {
        wall_ms: round(wall),
        cpu_ms: round(cpu),
        generation_ms: round(generation),
        // Medians of the per-run ratios (each run's command against its own generation).
        cpu_over_generation: round(median(runs.map((s) => s.cpu_ms / s.generation_ms)), 2),
        wall_over_generation: round(median(runs.map((s) => s.wall_ms / s.generation_ms)), 2),
        outside_generation_wall_ms: round(median(runs.map((s) => s.wall_ms - s.generation_ms))),
        runs,
      },
    ];
  }),
);
const result = {
  bench: 'startup',
  command: `dimoo imagine --width ${values.size} --height ${values.size} --steps ${values.steps} --device cpu --json`,
  model: values.model ?? 'generated small checkpoint (seed 1)',
  runs: RUNS,
  machine: { cpus: os.availableParallelism(), loadavg_before: loadBefore, loadavg_after: os.loadavg() },
  node: process.version,
  date: new Date().toISOString(),
  variants: summary,
};
const dir = join(root, 'bench/results');
if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'startup.json'), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `${JSON.stringify(Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, { ...v, runs: undefined }])), null, 2)}\n`,
);
rmSync(work, { recursive: true, force: true });
