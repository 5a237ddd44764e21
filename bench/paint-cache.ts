// `npm run bench -- paint-cache [--preset small] [--size 512] [--steps 16] [--rounds 2]`: paint jobs with and
// without ML-Cache (PaintRequest.cache) on a generated checkpoint: a Vary (Subtle) of a `--size`² picture (30 % of
// its cells redrawn) and a Zoom out 2× of it (the canvas doubled, the new border drawn). The two ways take turns
// within each round; the fastest of each is kept, every round listed. → bench/results/paint-cache.json
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { VARY_SHARE } from '../commands/redraw-shares.js';
import { createEngine, type PaintRequest, type Preset } from '../engine/index.js';
import { benchCheckpoint } from './lib/checkpoint.js';
import { optionReader } from './lib/options.js';

const opt = optionReader();
const preset = opt('preset', 'small') as Preset;
const size = Number(opt('size', '512'));
const steps = Number(opt('steps', '16'));
const rounds = Number(opt('rounds', '2'));
const engine = await createEngine({ modelDir: benchCheckpoint(preset), device: 'auto' });

const data = new Uint8Array(size * size * 3);
for (let i = 0; i < size * size; i++) data.set([i % 251, (i * 7) % 253, (i * 3) % 256], i * 3);
const base = {
  task: 'paint',
  prompt: 'a lighthouse on a cliff at dusk',
  image: { width: size, height: size, data },
};
const jobs: Record<string, PaintRequest> = {
  vary_subtle: {
    ...base,
    task: 'paint',
    region: { kind: 'scatter', share: VARY_SHARE.subtle },
    steps,
    seed: 3,
  },
  zoom_out_2x: {
    ...base,
    task: 'paint',
    region: { kind: 'extend', left: 0.5, top: 0.5, right: 0.5, bottom: 0.5 },
    steps,
    seed: 3,
  },
};

const runs: Record<string, number[]> = {};
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const [name, request] of Object.entries(jobs)) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const cache of order) {
      const key = `${name}${cache ? '_cache' : ''}`;
      const started = performance.now();
      await engine.generate({ ...request, cache });
      runs[key] = [...(runs[key] ?? []), Math.round(performance.now() - started)];
    }
  }
  loads.push(Math.round((loadavg()[0] ?? 0) * 100) / 100);
}
await engine.close();

const best = (key: string) => Math.min(...(runs[key] ?? [Number.NaN]));
const round2 = (x: number) => Math.round(x * 100) / 100;
const out = {
  when: new Date().toISOString(),
  machine: { cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, loadavg_after_each_round: loads },
  command: `npm run bench -- paint-cache --preset ${preset} --size ${size} --steps ${steps} --rounds ${rounds}`,
  preset,
  device: engine.info.device,
  steps,
  ml_cache: 'defaults (cache_ratio 0.9, warmup_ratio 0.3, refresh_interval 5), the loop path',
  best_ms: Object.fromEntries(Object.keys(runs).map((k) => [k, best(k)])),
  all_runs_ms: runs,
  speedup: Object.fromEntries(Object.keys(jobs).map((k) => [k, round2(best(k) / best(`${k}_cache`))])),
};
writeFileSync(
  fileURLToPath(new URL('./results/paint-cache.json', import.meta.url)),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
