import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RgbImage } from '../../../engine/api.js';
import type { ImageCodes } from '../../../engine/sequence.js';
import { PreviewPacer } from '../../../engine/tasks/preview.js';

const codes = (): ImageCodes => ({ rows: 1, cols: 1, codes: new Int32Array(1) });
const image: RgbImage = { width: 1, height: 1, data: new Uint8Array(3) };

/** Runs `steps` steps of `stepMs` each on a stubbed clock; a decode takes `decodeMs`. Returns the steps that decoded. */
async function decodedSteps(
  intervalMs: number,
  decodeMs: number,
  stepMs: number,
  steps: number,
): Promise<number[]> {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const pacer = new PreviewPacer({
    intervalMs,
    decode: async () => {
      now += decodeMs;
      return image;
    },
  });
  const decoded: number[] = [];
  for (let step = 0; step < steps; step++) {
    now += stepMs;
    if (await pacer.maybe(1, codes)) decoded.push(step);
  }
  return decoded;
}

describe('preview pacing', () => {
  afterEach(() => vi.restoreAllMocks());

  it('does not decode after every step when a decode takes longer than the interval', async () => {
    // 2 s decodes, 1.5 s interval, 0.5 s steps: counted from each decode's start, every step decoded.
    const decoded = await decodedSteps(1500, 2000, 500, 20);
    expect(decoded).toEqual([0, 8, 16]);
  });

  it('keeps the interval, counted from the end of the last decode, when decodes are quick', async () => {
    const decoded = await decodedSteps(1500, 10, 500, 10);
    expect(decoded).toEqual([0, 3, 6, 9]);
  });

  it('decodes every step with interval 0, however long a decode takes', async () => {
    const decoded = await decodedSteps(0, 2000, 500, 5);
    expect(decoded).toEqual([0, 1, 2, 3, 4]);
  });
});
