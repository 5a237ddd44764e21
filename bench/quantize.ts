// `npm run bench -- quantize [--layers 2] [--rounds 3]`: how fast the quantized-weights cache is made, on one
// thread against several (engine/runtime/quantize-in-worker.ts), for the linear layers of `--layers` layers of
// the 8B shape (7 matrices each, bf16 random values in one safetensors file, as a checkpoint stores them), int4
// and int8, rounds interleaved so the machine's load hits every setting alike. The figure that matters is the
// ratio: a whole 8B checkpoint is 32 layers.
// → bench/results/quantize.json
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readSafetensorsHeader, toBf16Bytes, writeSafetensors } from '../engine/checkpoint/safetensors.js';
import { defaultQuantizeWorkers } from '../engine/runtime/quantize-in-worker.js';
import { quantizedWeights } from '../engine/runtime/quantized-weights.js';
import { mulberry32 } from '../engine/testing/mulberry32.js';

const { values } = parseArgs({
  options: { layers: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } },
});
const layers = Number(values.layers);
const rounds = Number(values.rounds);
for (const [name, value] of [
  ['--layers', layers],
  ['--rounds', rounds],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`${name} must be a whole number of at least 1\n`);
    process.exit(2);
  }
}
const D = 4096;
const HIDDEN = 12288;
const dir = join(tmpdir(), 'dimoo-bench-quantize');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// One random block tiled over every matrix: drawing 7 × 10⁸ values would take longer than the quantizing.
const random = mulberry32(3);
const block = toBf16Bytes(Float32Array.from({ length: 1 << 20 }, () => (random() - 0.5) * 0.04));
const matrix = (n: number, k: number) => {
  const data = new Uint8Array(n * k * 2);
  for (let at = 0; at < data.byteLength; at += block.byteLength)
    data.set(block.subarray(0, data.byteLength - at), at);
  return data;
};
const shapes: Array<[string, number, number]> = [
  ['q_proj', D, D],
  ['k_proj', D, D],
  ['v_proj', D, D],
  ['attn_out', D, D],
  ['ff_proj', HIDDEN, D],
  ['up_proj', HIDDEN, D],
  ['ff_out', D, HIDDEN],
];
const file = join(dir, 'model.safetensors');
writeSafetensors(
  file,
  Array.from({ length: layers }, (_, l) =>
    shapes.map(([name, n, k]) => ({
      name: `model.transformer.blocks.${l}.${name}.weight`,
      dtype: 'BF16' as const,
      shape: [n, k],
      data: matrix(n, k),
    })),
  ).flat(),
);
const refs = [...readSafetensorsHeader(file).values()];

const many = defaultQuantizeWorkers();
const settings = [...new Set([1, Math.max(2, many)])];
const times: Record<string, number[]> = {};
for (let round = 1; round <= rounds; round++) {
  for (const bits of [4, 8] as const) {
    for (const workers of settings) {
      const cacheDir = join(dir, `cache-${bits}-${workers}-${round}`);
      const t = performance.now();
      await quantizedWeights(refs, { bits, blockSize: 32, cacheDir, workers });
      const ms = Math.round(performance.now() - t);
      rmSync(cacheDir, { recursive: true, force: true });
      const key = `int${bits} × ${workers} thread${workers === 1 ? '' : 's'}`;
      times[key] = [...(times[key] ?? []), ms];
      process.stdout.write(`round ${round} ${key}: ${ms} ms\n`);
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const speedup = Object.fromEntries(
  ([4, 8] as const).map((bits) => {
    const one = medians[`int${bits} × 1 thread`] as number;
    const other = settings.at(-1) as number;
    return [
      `int${bits}`,
      Math.round((one / (medians[`int${bits} × ${other} threads`] as number)) * 100) / 100,
    ];
  }),
);
const result = {
  command: `npm run bench -- quantize --layers ${layers} --rounds ${rounds}`,
  machine: `${process.platform} ${process.arch}, ${availableParallelism()} cores, Node ${process.version}`,
  matrices: refs.length,
  weights_millions: Math.round(refs.reduce((a, r) => a + r.length / 2, 0) / 1e6),
  default_threads_here: many,
  runs_ms: times,
  median_ms: medians,
  speedup,
};
mkdirSync(join(import.meta.dirname ?? '.', 'results'), { recursive: true });
writeFileSync(
  join(import.meta.dirname ?? '.', 'results', 'quantize.json'),
  `${JSON.stringify(result, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify({ median_ms: medians, speedup })}\n`);
