// Every ONNX op (with its input and output types) the image sampling head runs, pinned. Each one has a CUDA kernel
// in onnxruntime at the graph's opset (21), as onnxruntime's generated kernel table lists them (docs/OperatorKernels.md,
// "Operators implemented by CUDAExecutionProvider", microsoft/onnxruntime@001d12d2). An op or type without one
// would run on the CPU, copying [J, M, K] tensors across every step, so a change here needs that table checked again.
// The same profile shows how much of [J, M, K] the head holds at once, which engine/memory.ts prices.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { TRANSFORMER_OPSET } from '../../../engine/graphs/transformer-options.js';
import { imageHeadBytes } from '../../../engine/memory.js';
import { encodeModel } from '../../../engine/onnx/graph.js';
import { samplingHead } from '../../doubles/sampling-head-graph.js';

/** `Op(input types) -> output types`, and the CUDA kernel's OpSet range covering opset 21 in that table. */
const CUDA_CHECKED: Record<string, string> = {
  'Add(float,float) -> float': '14+',
  'Add(int32,int32) -> int32': '14+',
  'Add(int64,int64) -> int64': '14+',
  'Cast(bfloat16) -> float': '[21, 22]',
  'Cast(float) -> bfloat16': '[21, 22]',
  'Cast(float) -> int64': '[21, 22]',
  'Cast(int64) -> int32': '[21, 22]',
  'Concat(int64,int64) -> int64': '13+',
  'Div(float,float) -> float': '14+',
  'Div(int32,int32) -> int32': '14+',
  'Equal(float,float) -> bool': '13+',
  'Equal(int64,int64) -> bool': '13+',
  'Floor(float) -> float': '13+',
  'Gather(bfloat16,int64) -> bfloat16': '13+',
  'Gather(float,int32) -> float': '13+',
  'Gather(float,int64) -> float': '13+',
  'Gather(int64,int64) -> int64': '13+',
  'GatherElements(float,int64) -> float': '13+',
  'GreaterOrEqual(int32,int32) -> bool': '16+',
  'Less(int64,int64) -> bool': '13+',
  'Min(float,float) -> float': '13+',
  'Min(int64,int64) -> int64': '13+',
  'Mod(int64,int64) -> int64': '13+',
  'Mul(float,float) -> float': '14+',
  'Mul(int32,int32) -> int32': '14+',
  'Mul(int64,int64) -> int64': '14+',
  'ReduceMax(float,int64) -> float': '18+',
  'ReduceMin(float,int64) -> float': '18+',
  'Reshape(bfloat16,int64) -> bfloat16': '[21, 22]',
  'Shape(float) -> int64': '[21, 22]',
  'Softmax(float) -> float': '13+',
  'Squeeze(bool,int64) -> bool': '[21, 22]',
  'Squeeze(float,int64) -> float': '[21, 22]',
  'Sub(int64,int64) -> int64': '14+',
  'Unsqueeze(float,int64) -> float': '[21, 22]',
  'Unsqueeze(int64,int64) -> int64': '[21, 22]',
  'Where(bool,float,float) -> float': '16+',
  'Where(bool,int32,int32) -> int32': '16+',
  'Where(bool,int64,int64) -> int64': '16+',
};

const K = 64;
const dir = mkdtempSync(join(tmpdir(), 'dimoo-head-ops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type TypeShape = Record<string, number[]>;

interface NodeEvent {
  cat: string;
  name: string;
  args: {
    op_name?: string;
    output_size?: string;
    input_type_shape?: TypeShape[];
    output_type_shape?: TypeShape[];
  };
}

/** One profiled run of the head with `G` branches: onnxruntime's node events in run order, and the graph's edges. */
async function profileHead(G: number, M: number, level: 'disabled' | 'all') {
  const { g, out } = samplingHead({ jobs: 1, branches: G, cells: M, codes: K });
  g.output(out.codes, 'codes', 'int64', [1, M]);
  g.output(out.probs, 'probs', 'float32', [1, M]);
  g.output(out.best, 'best', 'int64', [1, M]);
  const tag = `head-${level}-${G}-${M}`;
  const session = await ort.InferenceSession.create(encodeModel(g, { opset: TRANSFORMER_OPSET }), {
    graphOptimizationLevel: level,
    enableProfiling: true,
    profileFilePrefix: join(dir, tag),
  });
  await session.run({
    cells: new ort.Tensor('float32', new Float32Array(G * M * K), [G, M, K]),
    branch_w: new ort.Tensor('float32', new Float32Array(G).fill(1), [1, G]),
    temperature: new ort.Tensor('float32', Float32Array.of(1), [1]),
    noise: new ort.Tensor(
      'float32',
      Float32Array.from({ length: M }, (_, i) => (i + 0.5) / M),
      [1, M],
    ),
  });
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.startsWith(tag) && f.endsWith('.json'));
  const events = (JSON.parse(readFileSync(join(dir, file ?? ''), 'utf8')) as NodeEvent[]).filter(
    (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
  );
  return { events, edges: g.nodeEdges };
}

/** The op/type rows of one run of the head with `G` branches, from the unoptimized graph. */
async function headOps(G: number): Promise<string[]> {
  const { events } = await profileHead(G, 3, 'disabled');
  const types = (list: TypeShape[] | undefined) => (list ?? []).map((t) => Object.keys(t)[0]).join(',');
  return events.map(
    (e) => `${e.args.op_name}(${types(e.args.input_type_shape)}) -> ${types(e.args.output_type_shape)}`,
  );
}

/**
 * The most bytes per [J, M, K] element the head's own tensors hold at once, in the order onnxruntime ran it: each
 * value lives from its node to the last node reading it (onnxruntime frees it there). Its inputs are not counted.
 */
async function plannedPeak(G: number): Promise<number> {
  const M = 16;
  const { events, edges } = await profileHead(G, M, 'all');
  const byName = new Map(edges.map((n) => [n.name, n]));
  const ran = events.map((e) => ({
    node: byName.get(e.name.slice(0, -'_kernel_time'.length)),
    bytes: e.args.output_size,
  }));
  expect(ran.filter((r) => !r.node)).toEqual([]); // a fused node would hide its tensors from this count
  const lastRead = new Map<string, number>();
  ran.forEach((r, i) => {
    for (const v of r.node?.inputs ?? []) lastRead.set(v, i);
  });
  const live = new Map<string, number>();
  let peak = 0;
  ran.forEach((r, i) => {
    const outputs = r.node?.outputs ?? [];
    for (const v of outputs) live.set(v, Number(r.bytes) / outputs.length);
    peak = Math.max(
      peak,
      [...live.values()].reduce((a, b) => a + b, 0),
    );
    for (const v of [...live.keys()]) if ((lastRead.get(v) ?? -1) <= i) live.delete(v);
  });
  return peak / (M * K);
}

describe('the image sampling head on CUDA', () => {
  it('runs only ops and types that onnxruntime’s CUDA provider has kernels for at opset 21', async () => {
    expect(TRANSFORMER_OPSET).toBe(21);
    const used = new Set([...(await headOps(1)), ...(await headOps(2)), ...(await headOps(3))]);
    expect([...used].sort()).toEqual(Object.keys(CUDA_CHECKED).sort());
  });

  it('holds at most the noise hash’s three int64 per element at once, as memory.ts prices it', async () => {
    for (const G of [1, 2]) {
      const peak = await plannedPeak(G);
      expect(peak).toBeGreaterThanOrEqual(24);
      expect(peak).toBeLessThan(24.5);
      expect(peak).toBeLessThanOrEqual(imageHeadBytes(G));
    }
  });
});
