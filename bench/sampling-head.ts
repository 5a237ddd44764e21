// `npm run bench -- sampling-head [--cells 256,1024]`: the image graph's sampling head alone (guidance over two
// branches, then upstream's bf16 Gumbel-max over K = 8192 codes, LladaGraph.sampleCells) on the CPU, per cell count:
// median and best of 5 runs after one warm-up, and the memory the warm-up added per element of [J, M, K]. It is the
// part of an image step that grows with K·M and not with the model, so it prices the sampling on the 8B model's
// codebook. → bench/results/sampling-head.json
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeModel } from '../engine/onnx/graph.js';
import { createSession, runSession, Tensor } from '../engine/runtime/ort.js';
import { samplingNoise } from '../engine/sampling/rng.js';
import { samplingHead } from '../test/doubles/sampling-head-graph.js';

const K = 8192;
const RUNS = 5;

async function measure(M: number) {
  const { g, out } = samplingHead({ jobs: 1, branches: 2, cells: M, codes: K });
  g.output(out.codes, 'codes', 'int64', [1, M]);
  g.output(out.probs, 'probs', 'float32', [1, M]);
  const { session } = await createSession(encodeModel(g, { opset: 21 }), { device: 'cpu' });
  let s = 1;
  const cells = Float32Array.from({ length: 2 * M * K }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 8;
  });
  const feeds = (step: number) => ({
    cells: new Tensor('float32', cells, [2, M, K]),
    branch_w: new Tensor('float32', Float32Array.of(5, -4), [1, 2]),
    temperature: new Tensor('float32', Float32Array.of(1), [1]),
    noise: new Tensor('float32', samplingNoise(1, step, M, 1), [1, M]),
  });
  // The first run grows onnxruntime's CPU arena to the head's peak: its growth, per [J, M, K] element, is what the
  // head holds at once (memory.ts imageHeadBytes prices the planned part of it).
  const rss = process.memoryUsage().rss;
  await runSession(session, feeds(0));
  const peakBytes = (process.memoryUsage().rss - rss) / (M * K);
  const times: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    const started = performance.now();
    await runSession(session, feeds(i));
    times.push(performance.now() - started);
  }
  await session.release();
  times.sort((a, b) => a - b);
  return {
    cells: M,
    codes: K,
    median_ms: Math.round(times[RUNS >> 1]!),
    best_ms: Math.round(times[0]!),
    arena_bytes_per_element: Math.round(peakBytes),
  };
}

const args = process.argv.slice(2);
const cellsArg = args.indexOf('--cells');
const counts = (cellsArg >= 0 ? (args[cellsArg + 1] ?? '') : '256,1024').split(',').map(Number);
const results = [];
for (const M of counts) {
  const row = await measure(M);
  process.stdout.write(`${JSON.stringify(row)}\n`);
  results.push(row);
}
const file = fileURLToPath(new URL('./results/sampling-head.json', import.meta.url));
mkdirSync(join(file, '..'), { recursive: true });
writeFileSync(
  file,
  `${JSON.stringify({ when: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`, command: `npm run bench -- sampling-head --cells ${counts.join(',')}`, results }, null, 2)}\n`,
);
process.stdout.write(`wrote ${file}\n`);
