// `npm run bench -- checkouts [--baseline DIR] [--rounds 3] [--size 256] [--steps 64] [--preset small]
// [--quant none|int8|int4]`: the engine
// of this checkout against another one's (DIR: a checkout of an earlier revision with node_modules) on the CPU:
// whole text-to-image runs, plain and with ML-Cache, after a warm-up, each checkout in its own process, rounds
// interleaved so machine noise hits both alike; also the engine's load time and the process's peak RSS after both
// runs (the sessions' weights). Without --baseline only this checkout is measured.
// → bench/results/checkouts.json (checkouts-int8.json, checkouts-int4.json with --quant)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    size: { type: 'string', default: '256' },
    steps: { type: 'string', default: '64' },
    preset: { type: 'string', default: 'small' },
    quant: { type: 'string', default: 'none' },
    child: { type: 'string' },
  },
});
const size = Number(values.size);
const steps = Number(values.steps);
const modelDir = join(tmpdir(), `dimoo-bench-checkouts-${values.preset}`);

if (values.child) {
  // One measurement, in the checkout named by --child.
  const engineEntry = join(values.child, 'engine', 'index.ts');
  const { createEngine, makeTestCheckpoint } = (await import(
    engineEntry
  )) as typeof import('../engine/index.js');
  if (!existsSync(join(modelDir, 'config.json')))
    makeTestCheckpoint({ out: modelDir, preset: values.preset as 'small', dtype: 'bf16' });
  const loadStarted = performance.now();
  const quant = values.quant as 'none' | 'int8' | 'int4';
  const engine = await createEngine({ modelDir, device: 'cpu', warm: false, quant });
  const loadMs = Math.round(performance.now() - loadStarted);
  const request = (cache: boolean, n: number) => ({
    task: 'text_to_image' as const,
    prompt: 'a red fox in the snow',
    width: size,
    height: size,
    steps: n,
    seed: 1,
    cache,
  });
  await engine.generate(request(false, 4));
  await engine.generate(request(true, 16));
  const out: Record<string, number> = { load_ms: loadMs };
  for (const cache of [false, true]) {
    const t = performance.now();
    await engine.generate(request(cache, steps));
    out[cache ? 'ml_cache_ms' : 'plain_ms'] = Math.round(performance.now() - t);
  }
  out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  await engine.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

const here = resolve(import.meta.dirname ?? '.', '..');
const checkouts: Record<string, string> = { current: here };
if (values.baseline) checkouts.baseline = resolve(values.baseline);
type Run = { load_ms: number; plain_ms: number; ml_cache_ms: number; peak_rss_mb: number };
const runs: Record<string, Run[]> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, dir] of Object.entries(checkouts)) {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(here, 'bench', 'checkouts.ts'), '--child', dir, ...process.argv.slice(2)],
      { encoding: 'utf8', cwd: dir },
    );
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status !== 0 || !line.startsWith('{')) throw new Error(`${name}: ${child.stderr.slice(-500)}`);
    runs[name] = [...(runs[name] ?? []), JSON.parse(line)];
    process.stdout.write(`round ${round + 1} ${name}: ${line}\n`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const summary = Object.fromEntries(
  Object.entries(runs).map(([name, rs]) => [
    name,
    Object.fromEntries(
      (['load_ms', 'plain_ms', 'ml_cache_ms', 'peak_rss_mb'] as const).map((k) => [
        k,
        // A baseline from before a figure was recorded lacks it.
        rs.every((r) => typeof r[k] === 'number') ? median(rs.map((r) => r[k])) : null,
      ]),
    ),
  ]),
);
const commitOf = (dir: string) =>
  spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim() || dir;
const result = {
  command: `npm run bench -- checkouts ${process.argv.slice(2).join(' ')}`.trim(),
  machine: `${process.platform} ${process.arch}, Node ${process.version}`,
  size,
  steps,
  preset: values.preset,
  quant: values.quant,
  checkouts: Object.fromEntries(Object.entries(checkouts).map(([name, dir]) => [name, commitOf(dir)])),
  runs,
  median: summary,
};
mkdirSync(join(here, 'bench', 'results'), { recursive: true });
const file = values.quant === 'none' ? 'checkouts.json' : `checkouts-${values.quant}.json`;
writeFileSync(join(here, 'bench', 'results', file), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(summary)}\n`);
