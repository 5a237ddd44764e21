// VQ encode/decode timings on a generated VQ (random weights, amused structure), CPU.
//   node --import tsx bench/vq.ts [--preset tiny|amused] [--sizes 256,512] [--runs 5] [--modes instance,group,reduce]
// Results are merged into bench/results/vq.json under the preset's name.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildVqDecoder, type GroupNormMode } from '../engine/graphs/vq.js';
import { parseVqConfig } from '../engine/graphs/vq-config.js';
import { externalDataSessionOptions, type WeightRef } from '../engine/runtime/external-data.js';
import { openSession, releaseSession, runSession, Tensor } from '../engine/runtime/ort.js';
import { VqCodec } from '../engine/runtime/vq-codec.js';
import { AMUSED_VQ_CONFIG, TINY_VQ_CONFIG, writeRandomVq } from '../test/doubles/random-vq.js';
import { readWeightRefs } from '../test/doubles/safetensors-double.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'tiny' },
    sizes: { type: 'string', default: '256,512' },
    runs: { type: 'string', default: '5' },
    modes: { type: 'string', default: 'instance,group,reduce' },
  },
});
const preset = values.preset === 'amused' ? AMUSED_VQ_CONFIG : TINY_VQ_CONFIG;
const sizes = (values.sizes ?? '256').split(',').map(Number);
const runs = Number(values.runs);
const modes = (values.modes ?? 'instance').split(',') as GroupNormMode[];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vq-'));
let t = performance.now();
const refs = readWeightRefs(writeRandomVq(path.join(dir, 'vqvae'), { config: preset, seed: 1 }));
const generateMs = performance.now() - t;
const weight = (name: string) => refs.get(name) as WeightRef;
const config = parseVqConfig(preset);
const params = [...refs.values()].reduce((n, r) => n + r.length / 4, 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}
async function time(fn: () => Promise<unknown>): Promise<{ min: number; median: number }> {
  await fn(); // first run pays allocation and first-touch costs
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  // The machine is shared: the minimum is the uncontended cost, the median what a job saw.
  return { min: Math.round(Math.min(...times) * 10) / 10, median: Math.round(median(times) * 10) / 10 };
}

function image(size: number) {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { width: size, height: size, data };
}

const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const results: Record<string, unknown>[] = [];
for (const mode of modes) {
  const codec = new VqCodec({ config, weight, folder: dir, createSession: openSession, groupNorm: mode });
  t = performance.now();
  await codec.warm();
  const loadMs = Math.round(performance.now() - t);
  const rssAfterLoad = rssMb();
  for (const size of sizes) {
    const img = image(size);
    const tokens = await codec.encode(img);
    const encodeMs = await time(() => codec.encode(img));
    const decodeMs = await time(() => codec.decode(tokens.rows, tokens.cols, tokens.indices));
    const row = {
      mode,
      size,
      loadMs,
      rssAfterLoadMb: rssAfterLoad,
      encodeMs,
      decodeRgb8Ms: decodeMs,
      rssMb: rssMb(),
    };
    console.log(JSON.stringify(row));
    results.push(row);
  }
  await codec.close();
}

// Decoder returning float NCHW and converting on the host, against the in-graph uint8 HWC output.
const floatRows: Record<string, unknown>[] = [];
{
  const session = await openSession(
    buildVqDecoder(config, { weight, folder: dir, groupNorm: modes[0] }),
    externalDataSessionOptions(dir),
  );
  for (const size of sizes) {
    const s = size / config.scaleFactor;
    const ids = new Tensor('int64', new BigInt64Array(s * s).fill(3n), [1, s, s]);
    let hostMs = 0;
    const totalMs = await time(async () => {
      const out = (await runSession(session, { indices: ids })).image?.data as Float32Array;
      const start = performance.now();
      const plane = size * size;
      const rgb = new Uint8Array(plane * 3);
      for (let i = 0; i < plane; i++)
        for (let c = 0; c < 3; c++) {
          const v = Math.fround((out[c * plane + i] as number) * 255);
          const r = Math.round(v);
          rgb[i * 3 + c] = r - v === 0.5 && r % 2 === 1 ? r - 1 : r;
        }
      hostMs = performance.now() - start;
    });
    const row = { size, decodeFloatPlusHostMs: totalMs, hostConversionMs: Math.round(hostMs * 10) / 10 };
    console.log(JSON.stringify(row));
    floatRows.push(row);
  }
  await releaseSession(session);
}
fs.rmSync(dir, { recursive: true, force: true });

const file = path.join(import.meta.dirname, 'results', 'vq.json');
const previous = fs.existsSync(file)
  ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)
  : {};
previous[values.preset ?? 'tiny'] = {
  when: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, onnxruntime-node 1.30.0 CPU`,
  note: 'shared VM, other jobs running: min ≈ uncontended cost, median what a job saw',
  config: preset,
  params,
  generateMs: Math.round(generateMs),
  runs,
  results,
  floatOutput: floatRows,
};
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify(previous, null, 2)}\n`);
console.log(`wrote ${file}`);
