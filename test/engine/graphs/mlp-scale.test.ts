// The fp16 MLP's scale (engine/runtime/overflow-guard.ts): a block whose SiLU(gate)·up passes fp16's 65504 (what
// LLaMA-family outliers do in half precision) turns the step to NaN at scale 1; the runner runs it again on the
// next rung, where the same graph gives the fp32 graph's logits, and the engine stays on that rung.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImageStepGraph, type ImageStepGraphOptions } from '../../../engine/graphs/transformer.js';
import { externalDataSessionOptions } from '../../../engine/runtime/external-data.js';
import { ImageStepRunner } from '../../../engine/runtime/image-step.js';
import { createSession, type Session } from '../../../engine/runtime/ort.js';
import { MLP_SCALES, MlpScale } from '../../../engine/runtime/overflow-guard.js';
import { scaleStoredTensor, TINY_DIMS, writeRandomLlada } from '../../doubles/random-llada.js';
import { tinyImageStepOptions, tinyStepInput } from '../../doubles/tiny-image-step.js';
import { relError } from '../../reference/rel-error.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'llada-mlp-scale-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let options: ImageStepGraphOptions;
beforeAll(() => {
  const file = writeRandomLlada(root, TINY_DIMS, 'F32', 9);
  // The last block's gate and up ×100: SiLU(gate)·up reaches about 10⁵ for some tokens, past fp16's 65504, while
  // gate and up alone stay in range; fp32 holds it all.
  for (const name of ['ff_proj', 'up_proj'])
    scaleStoredTensor(file, `model.transformer.blocks.1.${name}.weight`, 100);
  options = tinyImageStepOptions(file, root);
});

async function open(o: ImageStepGraphOptions): Promise<Session> {
  const { session } = await createSession(buildImageStepGraph(o), {
    device: 'cpu',
    sessionOptions: externalDataSessionOptions(o.folder),
  });
  return session;
}

const feed = tinyStepInput();

describe("the fp16 MLP's scale", () => {
  it('is an input of the half graph only', async () => {
    const half = await open({ ...options, half: true });
    const full = await open(options);
    expect(half.inputNames).toContain('mlp_scale');
    expect(full.inputNames).not.toContain('mlp_scale');
  });

  it('runs an overflowed step again one rung lower, which gives the fp32 logits, and stays there', async () => {
    let half: Session;
    try {
      half = await open({ ...options, half: true });
    } catch (error) {
      // onnxruntime's CPU provider lacks some fp16 kernels in some builds (as half-precision.test.ts).
      expect(String(error)).toMatch(/NOT_IMPLEMENTED|kernel|Could not find an implementation/i);
      return;
    }
    const fp32 = await new ImageStepRunner(await open(options)).run(feed);
    expect(fp32.logits?.every(Number.isFinite)).toBe(true);

    // Without a rung to step down to, the overflow fails the step with its cause.
    await expect(new ImageStepRunner(half).run(feed)).rejects.toThrow(/probs holds NaN.*overflowed/);

    const lowered: Array<{ scale: number; cause: string }> = [];
    const scale = new MlpScale((s, cause) => lowered.push({ scale: s, cause }));
    const runner = new ImageStepRunner(half, scale);
    const rescued = await runner.run(feed);
    expect(lowered).toEqual([{ scale: MLP_SCALES[1], cause: expect.stringMatching(/probs holds NaN/) }]);
    expect(relError(rescued.logits!, fp32.logits!)).toBeLessThan(2e-2);
    expect(Array.from(rescued.codes)).toEqual(Array.from(fp32.codes));

    // The next step starts on the lowered rung: no run is wasted on the rung that overflowed.
    const again = await runner.run(feed);
    expect(lowered).toHaveLength(1);
    expect(Array.from(again.logits!)).toEqual(Array.from(rescued.logits!));
  });

  it('fails the step when the lowest rung overflows too, naming the rung', async () => {
    // An infinite gate weight overflows at any scale.
    const dir = path.join(root, 'infinite');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'model.safetensors');
    fs.copyFileSync(path.join(root, 'model.safetensors'), file);
    scaleStoredTensor(file, 'model.transformer.blocks.0.ff_proj.weight', Number.POSITIVE_INFINITY);
    let half: Session;
    try {
      half = await open({ ...tinyImageStepOptions(file, dir), half: true });
    } catch {
      return; // no fp16 kernels on this CPU provider (as above)
    }
    const lowered: number[] = [];
    const scale = new MlpScale((s) => lowered.push(s));
    await expect(new ImageStepRunner(half, scale).run(feed)).rejects.toThrow(
      /probs holds NaN at 0, with the MLP scaled down to 0\.00390625: the model's numbers overflowed/,
    );
    expect(lowered).toEqual(MLP_SCALES.slice(1));
  });
});
