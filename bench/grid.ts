// `npm run bench -- grid [--preset small] [--size 256] [--steps 8] [--rounds 2]`: what a grid of four costs against
// one image and against four images drawn one after another (same seeds), and what its tiled previews add, on a
// generated checkpoint. The configurations interleave within each round, so a machine whose load drifts colours
// them alike; the fastest round of each is kept, every round listed. → bench/results/grid.json
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  createEngine,
  type Engine,
  type GenerateOptions,
  type Preset,
  type TextToImageRequest,
} from '../engine/index.js';
import { benchCheckpoint } from './lib/checkpoint.js';
import { optionReader } from './lib/options.js';

const opt = optionReader();
const preset = opt('preset', 'small') as Preset;
const size = Number(opt('size', '256'));
const steps = Number(opt('steps', '8'));
const rounds = Number(opt('rounds', '2'));
const dir = benchCheckpoint(preset);
const engine: Engine = await createEngine({ modelDir: dir, device: 'auto' });

const request = (extra: Partial<TextToImageRequest> = {}): TextToImageRequest => ({
  task: 'text_to_image',
  prompt: 'a lighthouse on a cliff at dusk',
  width: size,
  height: size,
  steps,
  seed: 11,
  ...extra,
});

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

// Every step previewed: the most a grid's previews can cost (a chat paces them at one every second or two).
const everyStep: GenerateOptions = { previewIntervalMs: 0, onProgress: () => undefined };
const configurations: Record<string, () => Promise<unknown>> = {
  one_image: () => engine.generate(request()),
  grid_of_4: () => engine.generate(request({ count: 4 })),
  four_one_by_one: async () => {
    for (let i = 0; i < 4; i++) await engine.generate(request({ seed: 11 + i }));
  },
  one_image_previews: () => engine.generate(request(), everyStep),
  grid_of_4_previews: () => engine.generate(request({ count: 4 }), everyStep),
};

await engine.generate(request({ steps: 1 }));
const runs: Record<string, number[]> = Object.fromEntries(Object.keys(configurations).map((k) => [k, []]));
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(configurations)) runs[name]?.push(Math.round(await timed(run)));
  loads.push(Math.round((loadavg()[0] ?? 0) * 100) / 100);
}
await engine.close();

const best = (name: string) => Math.min(...(runs[name] ?? [Number.NaN]));
const ratio = (a: string, b: string) => Math.round((best(a) / best(b)) * 100) / 100;
const out = {
  when: new Date().toISOString(),
  machine: { cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, loadavg_after_each_round: loads },
  command: `npm run bench -- grid --preset ${preset} --size ${size} --steps ${steps} --rounds ${rounds}`,
  preset,
  device: engine.info.device,
  size,
  steps,
  best_ms: Object.fromEntries(Object.keys(configurations).map((k) => [k, best(k)])),
  all_runs_ms: runs,
  grid_vs_one_image: ratio('grid_of_4', 'one_image'),
  grid_vs_four_one_by_one: ratio('grid_of_4', 'four_one_by_one'),
  previews_cost_one_image: ratio('one_image_previews', 'one_image'),
  previews_cost_grid: ratio('grid_of_4_previews', 'grid_of_4'),
  note: 'a grid of four is one batch of four images (seeds 11–14) sharing each forward pass; four_one_by_one draws the same four images apart. previews_cost_* compare a preview at every step (tiled for the grid) with none',
};
writeFileSync(
  fileURLToPath(new URL('./results/grid.json', import.meta.url)),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
