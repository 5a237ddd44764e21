// The understanding block loop (engine/graphs/text-block-loop.ts) against a naive float64 reference of the same
// algorithm: the first step runs every position and fills each layer's K/V cache, later steps run only the block's
// rows against it, and each step commits the `quota[t]` most confident masked positions to their argmax.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../../engine/checkpoint/safetensors.js';
import { buildDrawingGraph } from '../../../engine/graphs/drawing-graph.js';
import { externalDataSessionOptions } from '../../../engine/runtime/external-data.js';
import { createSession, releaseSession, type Session } from '../../../engine/runtime/ort.js';
import { TextBlockSession } from '../../../engine/runtime/text-block.js';
import { selectCommits } from '../../../engine/sampling/understanding.js';
import { mulberry32 } from '../../../engine/testing/mulberry32.js';
import { TINY_DIMS, writeRandomLlada } from '../../doubles/random-llada.js';
import { NaiveLlada } from '../../reference/naive-transformer.js';

const OFFSET = 200;
const K = 64;
const MASK = OFFSET + K;
const V = TINY_DIMS.vocabSize;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'text-block-'));
let naive: NaiveLlada;
let session: Session;
let blocks: TextBlockSession;

beforeAll(async () => {
  const refs = readSafetensorsHeader(writeRandomLlada(root, TINY_DIMS, 'F32', 5));
  const weight = (name: string) => {
    const ref = refs.get(name);
    if (!ref) throw new Error(`no tensor ${name}`);
    return ref;
  };
  naive = new NaiveLlada(TINY_DIMS, weight);
  const graph = buildDrawingGraph({
    dims: TINY_DIMS,
    weight,
    folder: root,
    imageCodeOffset: OFFSET,
    codebookSize: K,
    textHead: true,
    rows: 2,
    maskId: MASK,
  });
  ({ session } = await createSession(graph, {
    device: 'cpu',
    sessionOptions: externalDataSessionOptions(root),
  }));
  blocks = new TextBlockSession(session);
});
afterAll(async () => {
  await releaseSession(session);
  fs.rmSync(root, { recursive: true, force: true });
});

/** The block by the naive model, step by step, with host-side caches. */
function naiveBlock(sequences: Int32Array[], positions: number[], weights: number[], quota: number[]) {
  const xs = sequences.map((s) => Array.from(s));
  const caches = xs.map((x) => naive.emptyCache(x.length));
  const when = positions.map(() => -1);
  quota.forEach((k, t) => {
    const rows = t === 0 ? [...xs[0]!.keys()] : positions;
    const within = t === 0 ? positions : positions.map((_, i) => i);
    const logits = new Float64Array(positions.length * V);
    xs.forEach((x, n) => {
      const row = naive.logits(naive.cachedHidden(x, rows, caches[n]!), within, 0, V);
      row.forEach((value, i) => {
        logits[i] = (logits[i] ?? 0) + weights[n]! * value;
      });
    });
    const masked = positions.flatMap((p, i) => (xs[0]![p] === MASK ? [i] : []));
    const best: number[] = [];
    const confidence = Float64Array.from(masked, (i) => {
      const row = logits.subarray(i * V, (i + 1) * V);
      const max = Math.max(...row);
      const sum = row.reduce((s, l) => s + Math.exp(l - max), 0);
      best[i] = row.indexOf(max);
      return 1 / sum;
    });
    for (const c of selectCommits(confidence, k)) {
      const i = masked[c]!;
      for (const x of xs) x[positions[i]!] = best[i]!;
      when[i] = t;
    }
  });
  return { ids: xs[0]!, when };
}

function sequence(seed: number, length: number, masked: number[]): Int32Array {
  const random = mulberry32(seed);
  const x = Int32Array.from({ length }, () => Math.floor(random() * OFFSET));
  for (const p of masked) x[p] = MASK;
  return x;
}

describe('the understanding block loop', () => {
  const block = [12, 13, 14, 15, 16, 17, 18, 19];
  // The next block's positions stay masked: the block's rows attend to them through the cache.
  const later = [20, 21, 22, 23];

  it('commits what the naive cached decoding commits, step by step', async () => {
    const x = sequence(3, 24, [...block, ...later]);
    const quota = [3, 3, 2];
    const out = await blocks.block({
      sequences: [x],
      positions: Int32Array.from(block),
      weights: [1],
      quota,
    });
    const expected = naiveBlock([x], block, [1], quota);
    expect(Array.from(out.when)).toEqual(expected.when);
    expect(Array.from(out.ids)).toEqual(expected.ids);
    // Each step committed its quota, and nothing outside the block changed.
    expect(quota.map((_, t) => out.when.filter((w) => w === t).length)).toEqual(quota);
    expect(later.every((p) => out.ids[p] === MASK)).toBe(true);
    expect(Array.from(out.ids.subarray(0, 12))).toEqual(Array.from(x.subarray(0, 12)));
  });

  it('guides over the branches and leaves committed positions alone', async () => {
    // Two of the block's positions hold tokens already; the guidance branch has its prompt masked.
    const x = sequence(9, 24, [...block.slice(2), ...later]);
    const uncond = Int32Array.from(x);
    uncond.fill(MASK, 0, 6);
    const quota = [2, 2, 1, 1];
    const weights = [2.5, -1.5];
    const positions = Int32Array.from(block);
    const out = await blocks.block({ sequences: [x, uncond], positions, weights, quota });
    const expected = naiveBlock([x, uncond], block, weights, quota);
    expect(Array.from(out.when)).toEqual(expected.when);
    expect(Array.from(out.ids)).toEqual(expected.ids);
    expect(out.when[0]).toBe(-1);
    expect(out.ids[12]).toBe(x[12]);
  });

  it('one step over the whole block is the uncached step: the block cache differs only after it', async () => {
    const x = sequence(4, 24, [...block, ...later]);
    const one = await blocks.block({
      sequences: [x],
      positions: Int32Array.from(block),
      weights: [1],
      quota: [8],
    });
    const exact = naive.logits(naive.hidden(Array.from(x)), block, 0, V);
    const argmax = block.map((_, i) => {
      const row = exact.subarray(i * V, (i + 1) * V);
      return row.indexOf(Math.max(...row));
    });
    expect(block.map((p) => one.ids[p])).toEqual(argmax);
  });
});
