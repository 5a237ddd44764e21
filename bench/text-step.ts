// Understanding step on a `small`-shaped checkpoint with DiMOO's full vocabulary (134,548 rows, tied head, bf16):
// the graph that returns guided full-vocabulary logits of the block vs the greedy build that returns only the
// argmax and its probability. CPU.   node --import tsx bench/text-step.ts [--runs 3] [--blocks 32,256]
// Results: bench/results/text-step.json
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { readSafetensorsHeader } from '../engine/checkpoint/safetensors.js';
import { buildTextStepGraph, type TransformerDims } from '../engine/graphs/transformer.js';
import { externalDataSessionOptions, type WeightRef } from '../engine/runtime/external-data.js';
import { createSession } from '../engine/runtime/ort.js';
import { TextStepRunner } from '../engine/runtime/text-step.js';
import { writeRandomLlada } from '../test/doubles/random-llada.js';

const DIMS: TransformerDims = {
  dModel: 512,
  nLayers: 8,
  nHeads: 8,
  nKvHeads: 8,
  mlpHidden: 1536,
  vocabSize: 134548,
  ropeTheta: 500000,
  rmsNormEps: 1e-5,
  weightTying: true,
};
const L = 300;

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, blocks: { type: 'string', default: '32,256' } },
});
const runs = Number(values.runs);
const blocks = (values.blocks ?? '32').split(',').map(Number);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-text-'));
const refs = readSafetensorsHeader(writeRandomLlada(dir, DIMS, 'BF16', 1));
const weight = (n: string) => refs.get(n) as WeightRef;
const results: Record<string, unknown>[] = [];
for (const logitsOutput of [true, false]) {
  const t = performance.now();
  const bytes = buildTextStepGraph({ dims: DIMS, weight, folder: dir, logitsOutput });
  const { session } = await createSession(bytes, {
    device: 'cpu',
    sessionOptions: externalDataSessionOptions(dir),
  });
  const loadMs = performance.now() - t;
  const runner = new TextStepRunner(session);
  for (const B of blocks) {
    const ids = new BigInt64Array(L);
    for (let i = 0; i < L; i++) ids[i] = BigInt((i * 7919) % 126000);
    const input = {
      ids,
      attnMask: new BigInt64Array(L).fill(1n),
      gatherPos: BigInt64Array.from({ length: B }, (_, i) => BigInt(L - B - 1 + i)),
      branchW: Float32Array.of(1),
      J: 1,
      G: 1,
      L,
      B,
    };
    await runner.run(input);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) times.push((await runner.run(input)).forwardMs);
    const row = {
      build: logitsOutput ? 'logits' : 'greedy',
      B,
      L,
      loadMs: Math.round(loadMs),
      minStepMs: Math.round(Math.min(...times)),
      bytesReturned: B * (logitsOutput ? DIMS.vocabSize * 4 : 0) + B * 12,
    };
    console.log(JSON.stringify(row));
    results.push(row);
  }
  await session.release();
}
fs.rmSync(dir, { recursive: true, force: true });
const file = path.join('bench', 'results', 'text-step.json');
const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, ${process.version}`;
fs.writeFileSync(
  file,
  `${JSON.stringify({ date: new Date().toISOString(), machine, dims: DIMS, runs, results }, null, 2)}\n`,
);
