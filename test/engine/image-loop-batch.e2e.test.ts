// Batched jobs through the real image-step graph (a generated tiny checkpoint, bf16 sampling as upstream) whose
// masked counts drift apart under bf16 re-masking ties: one forward pass per step, each job padded to the batch's
// largest count, and each draws exactly the codes it draws alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, expect, it } from 'vitest';
import { EngineError } from '../../engine/api.js';
import { type Checkpoint, loadCheckpoint } from '../../engine/checkpoint/load.js';
import { imageGraphOptions } from '../../engine/graphs/from-checkpoint.js';
import { buildImageStepGraph } from '../../engine/graphs/transformer.js';
import { makeTestCheckpoint } from '../../engine/index.js';
import { externalDataSessionOptions } from '../../engine/runtime/external-data.js';
import { type ImageStepInput, ImageStepRunner } from '../../engine/runtime/image-step.js';
import { ImageStepSession } from '../../engine/runtime/image-step-session.js';
import { gridForSize, textToImageSequence } from '../../engine/sequence.js';
import { type ImageLoopResult, runImageLoops } from '../../engine/tasks/image-loop.js';

let ckpt: Checkpoint;
let runner: ImageStepRunner;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-drift-'));
  makeTestCheckpoint({ out: dir, preset: 'tiny', seed: 8, dtype: 'bf16' });
  ckpt = await loadCheckpoint(dir);
  const model = buildImageStepGraph(imageGraphOptions(ckpt));
  runner = new ImageStepRunner(
    await ort.InferenceSession.create(model, externalDataSessionOptions(ckpt.dir)),
  );
});

/** The real runner, recording each run's jobs and (padded) cells. */
function counting(): { runs: Array<[number, number]>; session: ImageStepSession } {
  const runs: Array<[number, number]> = [];
  const run = (input: ImageStepInput) => {
    runs.push([input.J, input.M]);
    return runner.run(input);
  };
  return { runs, session: new ImageStepSession({ run }) };
}

function codesOf(result: ImageLoopResult | EngineError | undefined): number[] {
  if (!result || result instanceof EngineError) throw result ?? new Error('no result');
  return Array.from(result.codes.codes);
}

it('jobs whose masked counts drift apart share one pass per step and draw what each draws alone', async () => {
  const steps = 8;
  const jobs = [1, 2, 3, 4].map((seed) => ({
    seq: textToImageSequence(
      ckpt,
      seed === 2 ? 'a much longer prompt about a fox' : 'a red fox',
      gridForSize(256, 256),
    ),
    options: { steps, temperature: seed === 4 ? 0.5 : 1, seed, weights: [5, -4] },
  }));
  const batched = counting();
  const results = await runImageLoops(jobs, ckpt.layout, batched.session);
  const solos: number[][] = [];
  for (const [i, job] of jobs.entries()) {
    const solo = counting();
    const [alone] = await runImageLoops([job], ckpt.layout, solo.session);
    expect(codesOf(results[i])).toEqual(codesOf(alone));
    solos.push(solo.runs.map(([, m]) => m));
  }
  const atStep = Array.from({ length: steps }, (_, s) =>
    solos.map((ms) => ms[s]).filter((m) => m !== undefined),
  );
  expect(atStep.some((ms) => new Set(ms).size > 1)).toBe(true);
  expect(batched.runs).toEqual(
    atStep.filter((ms) => ms.length > 0).map((ms) => [ms.length, Math.max(...ms)]),
  );
});
