import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { readSafetensorsHeader } from '../../../engine/checkpoint/safetensors.js';
import { buildDrawingGraph } from '../../../engine/graphs/drawing-graph.js';
import {
  buildImageStepGraph,
  buildTextStepGraph,
  type ContribOps,
  type ImageStepGraphOptions,
  type LinearForm,
  type TransformerDims,
} from '../../../engine/graphs/transformer.js';
import { externalDataSessionOptions, type WeightRef } from '../../../engine/runtime/external-data.js';
import { type ImageStepOutput, ImageStepRunner } from '../../../engine/runtime/image-step.js';
import { createSession } from '../../../engine/runtime/ort.js';
import { TextStepRunner } from '../../../engine/runtime/text-step.js';
import { guideBf16, sampleCellsBf16 } from '../../../engine/sampling/bf16-gumbel.js';
import { softmaxAt } from '../../../engine/sampling/categorical.js';
import { samplingNoise } from '../../../engine/sampling/rng.js';
import { TINY_DIMS, writeRandomLlada } from '../../doubles/random-llada.js';
import { NaiveLlada } from '../../reference/naive-transformer.js';
import { relError } from '../../reference/rel-error.js';

const OFFSET = 200;
const K = 64;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'llada-parity-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Model {
  dir: string;
  dims: TransformerDims;
  weight: (name: string) => WeightRef;
  naive: NaiveLlada;
}

function makeModel(name: string, dims: TransformerDims, dtype: 'F32' | 'BF16', seed: number): Model {
  const dir = path.join(root, name);
  const refs = readSafetensorsHeader(writeRandomLlada(dir, dims, dtype, seed));
  const weight = (n: string) => {
    const ref = refs.get(n);
    if (!ref) throw new Error(`no tensor ${n}`);
    return ref;
  };
  return { dir, dims, weight, naive: new NaiveLlada(dims, weight) };
}

async function imageRunner(
  model: Model,
  extra: Partial<ImageStepGraphOptions> = {},
): Promise<ImageStepRunner> {
  const bytes = buildImageStepGraph({
    dims: model.dims,
    weight: model.weight,
    folder: model.dir,
    imageCodeOffset: OFFSET,
    codebookSize: K,
    logitsOutput: true,
    ...extra,
  });
  const { session } = await createSession(bytes, {
    device: 'cpu',
    sessionOptions: externalDataSessionOptions(model.dir),
  });
  return new ImageStepRunner(session);
}

function randomIds(length: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % TINY_DIMS.vocabSize;
  });
}

interface Branch {
  ids: number[];
  pos: number[];
}

/** Runs jobs × branches as one right-padded batch; padding gets arbitrary ids to prove the mask hides them. */
function runBatch(
  runner: ImageStepRunner,
  jobs: Branch[][],
  weights: number[][],
  temperature: number[],
  noise?: Float32Array,
): Promise<ImageStepOutput> {
  const J = jobs.length;
  const G = jobs[0]!.length;
  const L = Math.max(...jobs.flat().map((b) => b.ids.length));
  const M = jobs[0]![0]!.pos.length;
  const ids = new BigInt64Array(J * G * L).fill(7n);
  const mask = new BigInt64Array(J * G * L);
  const pos = new BigInt64Array(J * G * M);
  jobs.flat().forEach((b, n) => {
    b.ids.forEach((id, t) => {
      ids[n * L + t] = BigInt(id);
      mask[n * L + t] = 1n;
    });
    b.pos.forEach((p, i) => {
      pos[n * M + i] = BigInt(p);
    });
  });
  return runner.run({
    ids,
    attnMask: mask,
    gatherPos: pos,
    branchW: Float32Array.from(weights.flat()),
    temperature: Float32Array.from(temperature),
    noise: noise ?? new Float32Array(J * M).fill(0.5),
    J,
    G,
    L,
    M,
  });
}

const cond: Branch = { ids: randomIds(30, 1), pos: [3, 9, 10, 17, 22, 29] };
const uncond: Branch = { ids: randomIds(19, 2), pos: [2, 5, 6, 11, 13, 18] };
const third: Branch = { ids: randomIds(25, 3), pos: [0, 1, 4, 8, 20, 24] };

describe('transformer graph vs the float64 reference (fp32 weights)', () => {
  let model: Model;
  let runner: ImageStepRunner;
  beforeAll(async () => {
    model = makeModel('fp32', TINY_DIMS, 'F32', 11);
    runner = await imageRunner(model, { maxLogitOutput: true });
  });

  it('image-slice logits at the gathered cells and the max-logit of every position agree within 1e-4', async () => {
    const out = await runBatch(runner, [[cond]], [[1]], [0]);
    const hidden = model.naive.hidden(cond.ids);
    const expected = model.naive.logits(hidden, cond.pos, OFFSET, K);
    expect(relError(out.logits!, expected)).toBeLessThan(1e-4);
    const all = model.naive.logits(
      hidden,
      cond.ids.map((_, t) => t),
      OFFSET,
      K,
    );
    const maxPerPos = cond.ids.map((_, t) => Math.max(...all.subarray(t * K, (t + 1) * K)));
    expect(relError(out.maxLogit!, maxPerPos)).toBeLessThan(1e-4);
  });

  it('a right-padded batch of different lengths equals separate unpadded runs', async () => {
    const batched = await runBatch(runner, [[cond], [uncond], [third]], [[1], [1], [1]], [0, 0, 0]);
    for (const [j, b] of [cond, uncond, third].entries()) {
      const alone = await runBatch(runner, [[b]], [[1]], [0]);
      expect(relError(batched.logits!.subarray(j * 6 * K, (j + 1) * 6 * K), alone.logits!)).toBeLessThan(
        1e-6,
      );
      expect(batched.codes[j * 6]).toBe(alone.codes[0]);
    }
    // Without the mask the padding would count: the same ids with the padding marked real give other logits.
    const padIds = [...uncond.ids, ...new Array(cond.ids.length - uncond.ids.length).fill(7)];
    const unmasked = await runBatch(runner, [[{ ids: padIds, pos: uncond.pos }]], [[1]], [0]);
    expect(relError(unmasked.logits!, batched.logits!.subarray(6 * K, 12 * K))).toBeGreaterThan(1e-3);
  });

  it('combines CFG branches in the graph as (1+s)·c − s·u and I2I as (1+a+b)·c − a·t − b·i', async () => {
    const [c, u, t] = await Promise.all(
      [cond, uncond, third].map((b) => runBatch(runner, [[b]], [[1]], [0])),
    );
    const s = 4;
    const cfg = await runBatch(runner, [[cond, uncond]], [[1 + s, -s]], [0]);
    const manual = c!.logits!.map((v, i) => (1 + s) * v - s * u!.logits![i]!);
    expect(relError(cfg.logits!, manual)).toBeLessThan(1e-5);
    const [a, b] = [2.5, 4];
    const i2i = await runBatch(runner, [[cond, uncond, third]], [[1 + a + b, -a, -b]], [0]);
    const manual3 = c!.logits!.map((v, i) => v + a * (v - u!.logits![i]!) + b * (v - t!.logits![i]!));
    expect(relError(i2i.logits!, manual3)).toBeLessThan(1e-5);
    // Two CFG jobs in one batch (J = 2, G = 2) keep their own weights and branches.
    const two = await runBatch(
      runner,
      [
        [cond, uncond],
        [third, uncond],
      ],
      [
        [1 + s, -s],
        [2, -1],
      ],
      [0, 0],
    );
    expect(relError(two.logits!.subarray(0, 6 * K), cfg.logits!)).toBeLessThan(1e-6);
    const manualSecond = t!.logits!.map((v, i) => 2 * v - u!.logits![i]!);
    expect(relError(two.logits!.subarray(6 * K), manualSecond)).toBeLessThan(1e-5);
  });

  it('τ = 0 picks the first argmax of the bf16 guided logits, softmax of them at the code (bf16) as confidence', async () => {
    const out = await runBatch(runner, [[cond, uncond]], [[5, -4]], [0]);
    const hc = model.naive.logits(model.naive.hidden(cond.ids), cond.pos, OFFSET, K);
    const hu = model.naive.logits(model.naive.hidden(uncond.ids), uncond.pos, OFFSET, K);
    const reference = sampleCellsBf16(
      guideBf16([Float32Array.from(hc), Float32Array.from(hu)], [5, -4]),
      K,
      0,
      null,
    );
    expect(Array.from(out.codes, Number)).toEqual(Array.from(reference.codes));
    expect(Array.from(out.best, Number)).toEqual(Array.from(reference.codes));
    for (let i = 0; i < 6; i++) expect(out.probs[i]).toBeCloseTo(reference.probs[i]!, 2);
  });

  it('τ > 0 picks the bf16 Gumbel-max code of the host reference for the given uniforms, per job temperature', async () => {
    const M = 6;
    const noise = new Float32Array(3 * M);
    for (let step = 0; step < 4; step++) {
      noise.set(samplingNoise(99, step, 3 * M, 1));
      const taus = [1, 0.6, 2.5];
      const out = await runBatch(runner, [[cond], [uncond], [third]], [[1], [1], [1]], taus, noise);
      for (let j = 0; j < 3; j++) {
        const logits = out.logits!.subarray(j * M * K, (j + 1) * M * K);
        const ref = sampleCellsBf16(
          guideBf16([logits], [1]),
          K,
          taus[j]!,
          noise.subarray(j * M, (j + 1) * M),
        );
        expect(Array.from(out.codes.subarray(j * M, (j + 1) * M), Number)).toEqual(Array.from(ref.codes));
        expect(Array.from(out.probs.subarray(j * M, (j + 1) * M))).toEqual(Array.from(ref.probs));
      }
      // Sampling differs from the argmax somewhere at τ = 2.5 for these uniforms: the noise is really used.
      if (step === 0)
        expect(Array.from(out.codes.subarray(2 * M))).not.toEqual(Array.from(out.best.subarray(2 * M)));
    }
  });

  it.each<LinearForm>(['transpose', 'fused'])('the %s form of x·Wᵀ gives the same logits', async (form) => {
    const other = await imageRunner(model, { linear: form });
    const a = await runBatch(runner, [[cond, uncond]], [[5, -4]], [0]);
    const b = await runBatch(other, [[cond, uncond]], [[5, -4]], [0]);
    expect(relError(b.logits!, a.logits!)).toBeLessThan(1e-5);
  });

  it.each<[string, ContribOps]>([
    ['plain ONNX ops only', {}],
    ['SimplifiedLayerNormalization', { norm: true }],
    ['RotaryEmbedding', { rope: true }],
    ['MultiHeadAttention', { attention: true }],
    ['MultiHeadAttention with the mask in extra head dims', { attention: true, attentionMask: 'heads' }],
    ['MultiHeadAttention with key lengths', { attention: true, attentionMask: 'lengths' }],
  ])('%s keeps parity, padding mask included', async (_, contrib) => {
    const fused = await imageRunner(model, { contrib });
    const batched = await runBatch(fused, [[cond], [uncond]], [[1], [1]], [0, 0]);
    const expected = model.naive.logits(model.naive.hidden(uncond.ids), uncond.pos, OFFSET, K);
    expect(relError(batched.logits!.subarray(6 * K), expected)).toBeLessThan(1e-4);
  });

  it('the text step graph returns guided full-vocabulary logits at the block positions and their argmax', async () => {
    const base = { dims: model.dims, weight: model.weight, folder: model.dir };
    const bytes = buildTextStepGraph(base);
    const { session } = await createSession(bytes, {
      device: 'cpu',
      sessionOptions: externalDataSessionOptions(model.dir),
    });
    const text = new TextStepRunner(session);
    const V = TINY_DIMS.vocabSize;
    const L = cond.ids.length;
    const B = cond.pos.length;
    const ids = new BigInt64Array(2 * L).fill(7n);
    const mask = new BigInt64Array(2 * L);
    [cond, uncond].forEach((b, n) => {
      b.ids.forEach((id, t) => {
        ids[n * L + t] = BigInt(id);
        mask[n * L + t] = 1n;
      });
    });
    const pos = BigInt64Array.from([...cond.pos, ...uncond.pos], BigInt);
    const input = {
      ids,
      attnMask: mask,
      gatherPos: pos,
      branchW: Float32Array.of(3, -2),
      J: 1,
      G: 2,
      L,
      B,
    };
    const out = await text.run(input);
    const logits = out.logits!;
    const c = model.naive.logits(model.naive.hidden(cond.ids), cond.pos, 0, V);
    const u = model.naive.logits(model.naive.hidden(uncond.ids), uncond.pos, 0, V);
    expect(
      relError(
        logits,
        c.map((v, i) => 3 * v - 2 * u[i]!),
      ),
    ).toBeLessThan(1e-4);
    for (let i = 0; i < B; i++) {
      const row = logits.subarray(i * V, (i + 1) * V);
      const arg = row.indexOf(Math.max(...row));
      expect(Number(out.best[i])).toBe(arg);
      expect(out.bestProb[i]).toBeCloseTo(softmaxAt(row, 0, V, arg), 5);
    }
    // The greedy build returns only the argmax and its probability: no [B, V] crosses to the host.
    const greedyBytes = buildTextStepGraph({ ...base, logitsOutput: false });
    const opened = await createSession(greedyBytes, {
      device: 'cpu',
      sessionOptions: externalDataSessionOptions(model.dir),
    });
    const lean = await new TextStepRunner(opened.session).run(input);
    expect(lean.logits).toBeUndefined();
    expect(lean.best).toEqual(out.best);
    expect(lean.bestProb).toEqual(out.bestProb);

    // The engine's one step graph carries both heads on one trunk: describing through it gives the text step
    // graph's answer, and drawing through it the image step graph's.
    const both = await createSession(
      buildImageStepGraph({
        ...base,
        imageCodeOffset: OFFSET,
        codebookSize: K,
        logitsOutput: true,
        textHead: true,
      }),
      { device: 'cpu', sessionOptions: externalDataSessionOptions(model.dir) },
    );
    const shared = await new TextStepRunner(both.session).run(input);
    expect(relError(shared.logits!, logits)).toBeLessThan(1e-6);
    expect(shared.best).toEqual(out.best);
    const drawn = await runBatch(new ImageStepRunner(both.session), [[cond, uncond]], [[3, -2]], [1]);
    const alone = await runBatch(await imageRunner(model), [[cond, uncond]], [[3, -2]], [1]);
    expect(drawn.codes).toEqual(alone.codes);
    expect(relError(drawn.logits!, alone.logits!)).toBeLessThan(1e-6);

    // The drawing graph puts that step graph beside ML-Cache's interval (an If on one set of weights): its step
    // branch gives the same answers again.
    const drawing = await createSession(
      buildDrawingGraph({
        ...base,
        imageCodeOffset: OFFSET,
        codebookSize: K,
        logitsOutput: true,
        textHead: true,
        rows: 2,
        maskId: OFFSET + K,
      }),
      { device: 'cpu', sessionOptions: externalDataSessionOptions(model.dir) },
    );
    expect(drawing.session.inputNames).toContain('ml_cache_interval');
    const described = await new TextStepRunner(drawing.session).run(input);
    expect(relError(described.logits!, logits)).toBeLessThan(1e-6);
    expect(described.best).toEqual(out.best);
    const branch = await runBatch(new ImageStepRunner(drawing.session), [[cond, uncond]], [[3, -2]], [1]);
    expect(branch.codes).toEqual(alone.codes);
    expect(relError(branch.logits!, alone.logits!)).toBeLessThan(1e-6);
  });

  it('the runner refuses inputs of the wrong size or positions outside the sequence', async () => {
    const base = {
      ids: new BigInt64Array(10),
      attnMask: new BigInt64Array(10).fill(1n),
      gatherPos: BigInt64Array.of(0n, 9n),
      branchW: Float32Array.of(1),
      temperature: Float32Array.of(0),
      noise: Float32Array.of(0.5, 0.5),
      J: 1,
      G: 1,
      L: 10,
      M: 2,
    };
    await expect(runner.run({ ...base, noise: Float32Array.of(0.5) })).rejects.toThrow(
      /noise has 1 values, expected 2/,
    );
    await expect(runner.run({ ...base, gatherPos: BigInt64Array.of(0n, 10n) })).rejects.toThrow(
      /gatherPos holds 10/,
    );
    await expect(runner.run(base)).resolves.toMatchObject({ codes: expect.any(BigInt64Array) });
  });
});

describe('other checkpoints', () => {
  it('grouped K/V heads (n_kv_heads < n_heads) match the reference', async () => {
    const model = makeModel('gqa', { ...TINY_DIMS, nKvHeads: 2, weightTying: true }, 'F32', 5);
    const runner = await imageRunner(model);
    const out = await runBatch(runner, [[cond]], [[1]], [0]);
    const expected = model.naive.logits(model.naive.hidden(cond.ids), cond.pos, OFFSET, K);
    expect(relError(out.logits!, expected)).toBeLessThan(1e-4);
  });

  it('a tied head (weight_tying) reads wte once in the text graph and matches the reference', async () => {
    const model = makeModel('tied', { ...TINY_DIMS, weightTying: true }, 'BF16', 8);
    const bytes = buildTextStepGraph({ dims: model.dims, weight: model.weight, folder: model.dir });
    const { session } = await createSession(bytes, {
      device: 'cpu',
      sessionOptions: externalDataSessionOptions(model.dir),
    });
    const L = cond.ids.length;
    const out = await new TextStepRunner(session).run({
      ids: BigInt64Array.from(cond.ids, BigInt),
      attnMask: new BigInt64Array(L).fill(1n),
      gatherPos: BigInt64Array.from(cond.pos, BigInt),
      branchW: Float32Array.of(1),
      J: 1,
      G: 1,
      L,
      B: cond.pos.length,
    });
    const V = TINY_DIMS.vocabSize;
    const expected = model.naive.logits(model.naive.hidden(cond.ids), cond.pos, 0, V);
    expect(relError(out.logits!, expected)).toBeLessThan(1e-4);
  });

  it('bf16 weights are upcast exactly: same 1e-4 bound against the float64 reference on the same bf16 values', async () => {
    const model = makeModel('bf16', TINY_DIMS, 'BF16', 11);
    const runner = await imageRunner(model);
    const out = await runBatch(runner, [[cond]], [[1]], [0]);
    const expected = model.naive.logits(model.naive.hidden(cond.ids), cond.pos, OFFSET, K);
    expect(relError(out.logits!, expected)).toBeLessThan(1e-4);
  });

  it('rejects a tensor whose shape disagrees with the config, naming file and tensor', () => {
    const model = makeModel('bad', TINY_DIMS, 'F32', 3);
    const build = () =>
      buildImageStepGraph({
        dims: { ...TINY_DIMS, mlpHidden: 128 },
        weight: model.weight,
        folder: model.dir,
        imageCodeOffset: OFFSET,
        codebookSize: K,
      });
    expect(build).toThrow(EngineError);
    expect(build).toThrow(
      /model\.safetensors: tensor "model\.transformer\.blocks\.0\.ff_proj\.weight" has shape \[160, 64\], expected \[128, 64\]/,
    );
  });

  it('names a tensor the checkpoint lacks', () => {
    const model = makeModel('lacking', TINY_DIMS, 'F32', 6);
    const weight = (n: string) => (n.endsWith('up_proj.weight') ? undefined : model.weight(n)) as WeightRef;
    const build = () =>
      buildImageStepGraph({
        dims: TINY_DIMS,
        weight,
        folder: model.dir,
        imageCodeOffset: OFFSET,
        codebookSize: K,
      });
    expect(build).toThrow(/no tensor "model\.transformer\.blocks\.0\.up_proj\.weight"/);
  });

  it('rejects dims it cannot build and an image slice outside the head', () => {
    const model = makeModel('dims', TINY_DIMS, 'F32', 4);
    const base = { weight: model.weight, folder: model.dir, imageCodeOffset: OFFSET, codebookSize: K };
    expect(() => buildImageStepGraph({ ...base, dims: { ...TINY_DIMS, nKvHeads: 3 } })).toThrow(
      /n_kv_heads 3/,
    );
    expect(() => buildImageStepGraph({ ...base, dims: { ...TINY_DIMS, nHeads: 5 } })).toThrow(
      /multiple of n_heads 5/,
    );
    expect(() => buildImageStepGraph({ ...base, dims: TINY_DIMS, codebookSize: 200 })).toThrow(
      /image codes \[200, 400\)/,
    );
  });
});
