// A step whose probabilities are not numbers (logits that overflowed fp16 make NaN) fails its job with a message
// naming the cause, instead of sampling garbage codes. The graphs here are doubles with the step graphs' inputs
// and outputs, whose probabilities are the noise itself (valid) or ∞ − ∞ (NaN).
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import { ImageStepRunner } from '../../../engine/runtime/image-step.js';
import { createSession } from '../../../engine/runtime/ort.js';
import { TextStepRunner } from '../../../engine/runtime/text-step.js';

const probabilities = (g: GraphBuilder, x: string, overflow: boolean) => {
  if (!overflow) return x;
  const inf = g.op('Div', [x, g.scalar(0)]);
  return g.op('Sub', [inf, inf]);
};

async function imageStepDouble(overflow: boolean): Promise<ImageStepRunner> {
  const g = new GraphBuilder('image_step_double');
  g.input('ids', 'int64', ['N', 'L']);
  g.input('attn_mask', 'int64', ['N', 'L']);
  g.input('gather_pos', 'int64', ['N', 'M']);
  g.input('branch_w', 'float32', ['J', 'G']);
  g.input('temperature', 'float32', ['J']);
  const noise = g.input('noise', 'float32', ['J', 'M']);
  const codes = g.op('Cast', [g.op('Mul', [noise, g.scalar(0)])], { to: 7 });
  g.output(codes, 'codes', 'int64', ['J', 'M']);
  g.output(probabilities(g, noise, overflow), 'probs', 'float32', ['J', 'M']);
  g.output(codes, 'best', 'int64', ['J', 'M']);
  return new ImageStepRunner((await createSession(encodeModel(g), { device: 'cpu' })).session);
}

async function textStepDouble(overflow: boolean): Promise<TextStepRunner> {
  const g = new GraphBuilder('text_step_double');
  g.input('ids', 'int64', ['N', 'L']);
  g.input('attn_mask', 'int64', ['N', 'L']);
  const pos = g.input('gather_pos', 'int64', ['N', 'B']);
  g.input('branch_w', 'float32', ['J', 'G']);
  const half = g.op('Add', [g.op('Mul', [g.op('Cast', [pos], { to: 1 }), g.scalar(0)]), g.scalar(0.5)]);
  g.output(g.op('Cast', [half], { to: 7 }), 'best', 'int64', ['J', 'B']);
  g.output(probabilities(g, half, overflow), 'best_prob', 'float32', ['J', 'B']);
  return new TextStepRunner((await createSession(encodeModel(g), { device: 'cpu' })).session);
}

const rows = {
  ids: new BigInt64Array(4),
  attnMask: new BigInt64Array(4).fill(1n),
  branchW: Float32Array.of(1),
};

describe('step runners and overflowed probabilities', () => {
  it('an image step with NaN probabilities fails with the cause; valid ones pass', async () => {
    const input = {
      ...rows,
      gatherPos: BigInt64Array.of(1n, 2n),
      temperature: Float32Array.of(1),
      noise: Float32Array.of(0.25, 0.75),
      J: 1,
      G: 1,
      L: 4,
      M: 2,
    };
    expect([...(await (await imageStepDouble(false)).run(input)).probs]).toEqual([0.25, 0.75]);
    await expect((await imageStepDouble(true)).run(input)).rejects.toThrow(/overflowed.*PRECISION=fp32/);
  });

  it('an understanding step with a NaN best probability fails the same way', async () => {
    const input = { ...rows, gatherPos: BigInt64Array.of(3n), J: 1, G: 1, L: 4, B: 1 };
    expect([...(await (await textStepDouble(false)).run(input)).bestProb]).toEqual([0.5]);
    await expect((await textStepDouble(true)).run(input)).rejects.toThrow(/overflowed/);
  });
});
