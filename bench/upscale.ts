// `npm run bench -- upscale [--preset small] [--size 512] [--steps 4] [--rounds 2]`: what the Upscale buttons cost
// against a Vary of the same result on a generated checkpoint, and whether the queue's price (estimateCost of the
// stored request, priced by the input's header since Upscale) predicts it. The result is a `--size`² text-to-image;
// Vary redraws 30 % of its cells at its size, Upscale 25 % of the picture scaled to a 1024 long side (the command's
// own scaling, `scaledForUpscale`). Interleaved rounds, the fastest of each kept, every round listed.
// → bench/results/upscale.json
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { UPSCALE_SHARE, VARY_SHARE } from '../commands/redraw-shares.js';
import { scaledForUpscale } from '../commands/upscale.js';
import {
  createEngine,
  decodeImage,
  type Engine,
  encodePng,
  estimateCost,
  type PaintRequest,
  type Preset,
} from '../engine/index.js';
import { estimateStoredRequest } from '../src/jobs/index.js';
import { benchCheckpoint } from './lib/checkpoint.js';
import { optionReader } from './lib/options.js';

const opt = optionReader();
const preset = opt('preset', 'small') as Preset;
const size = Number(opt('size', '512'));
const steps = Number(opt('steps', '4'));
const rounds = Number(opt('rounds', '2'));
const dir = benchCheckpoint(preset);
const engine: Engine = await createEngine({ modelDir: dir, device: 'auto' });

const prompt = 'a lighthouse on a cliff at dusk';
const drawn = await engine.generate({
  task: 'text_to_image',
  prompt,
  width: size,
  height: size,
  steps,
  seed: 11,
});
if (drawn.kind !== 'image') throw new Error('text-to-image gave no image');
const resultPng = await encodePng(drawn.image);
const scaledPng = await scaledForUpscale(resultPng);
const decoded = { maxPixels: 1024 * 1024 };
const [result, scaled] = await Promise.all([
  decodeImage(resultPng, decoded),
  decodeImage(scaledPng, decoded),
]);

const paint = (image: typeof result, share: number): PaintRequest => ({
  task: 'paint',
  prompt,
  image,
  region: { kind: 'scatter', share },
  steps,
  seed: 12,
});
const requests = {
  vary_subtle: paint(result, VARY_SHARE.subtle),
  upscale_subtle: paint(scaled, UPSCALE_SHARE.subtle),
};
// As the queue prices them: the stored request names its input file, whose header gives the size.
const stored = (share: number) => ({
  task: 'paint' as const,
  prompt,
  image: { file: 'input.png' },
  region: { kind: 'scatter' as const, share },
  steps,
  seed: 12,
});
// The queue prices with the loaded model's widths (`engine.estimateCost`); the 8B's are shown beside them.
const priceWith = (pricer: Pick<Engine, 'estimateCost'>) => ({
  vary_subtle: estimateStoredRequest(pricer, stored(VARY_SHARE.subtle), { 'input.png': resultPng }),
  upscale_subtle: estimateStoredRequest(pricer, stored(UPSCALE_SHARE.subtle), { 'input.png': scaledPng }),
  upscale_before_this_change: estimateStoredRequest(pricer, stored(UPSCALE_SHARE.subtle)),
});
const priced = priceWith(engine);
const priced8b = priceWith({ estimateCost });

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

const runs: Record<string, number[]> = { vary_subtle: [], upscale_subtle: [] };
const loads: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const [name, request] of Object.entries(requests))
    runs[name]?.push(Math.round(await timed(() => engine.generate(request))));
  loads.push(Math.round((loadavg()[0] ?? 0) * 100) / 100);
}
await engine.close();

const best = (name: string) => Math.min(...(runs[name] ?? [Number.NaN]));
const round2 = (x: number) => Math.round(x * 100) / 100;
const out = {
  when: new Date().toISOString(),
  machine: { cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, loadavg_after_each_round: loads },
  command: `npm run bench -- upscale --preset ${preset} --size ${size} --steps ${steps} --rounds ${rounds}`,
  preset,
  device: engine.info.device,
  result_size: `${result.width}x${result.height}`,
  upscaled_size: `${scaled.width}x${scaled.height}`,
  steps,
  best_ms: { vary_subtle: best('vary_subtle'), upscale_subtle: best('upscale_subtle') },
  all_runs_ms: runs,
  measured_upscale_vs_vary: round2(best('upscale_subtle') / best('vary_subtle')),
  priced_upscale_vs_vary: round2(priced.upscale_subtle / priced.vary_subtle),
  priced_upscale_vs_vary_before_this_change: round2(priced.upscale_before_this_change / priced.vary_subtle),
  priced_upscale_vs_vary_8b_widths: round2(priced8b.upscale_subtle / priced8b.vary_subtle),
  note: "priced_* are the queue cost units of the stored requests (fairness counters and ETAs use them), with this checkpoint's widths as the queue prices them, and with the 8B's (where attention weighs less); before input images were priced by their header, every input was taken as 512², so an upscale was priced as a vary",
};
writeFileSync(
  fileURLToPath(new URL('./results/upscale.json', import.meta.url)),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
