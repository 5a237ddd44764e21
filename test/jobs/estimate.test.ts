import { describe, expect, it } from 'vitest';
import { encodePng, estimateCost } from '../../engine/index.js';
import { estimateStoredRequest } from '../../src/jobs/index.js';
import type { StoredRequest } from '../../src/jobs/types.js';

const engine = { estimateCost };
const png = (width: number, height: number) =>
  encodePng({ width, height, data: new Uint8Array(width * height * 3) });
const vary: StoredRequest = {
  task: 'paint',
  prompt: 'a harbour',
  image: { file: 'input.png' },
  region: { kind: 'scatter', share: 0.3 },
  seed: 1,
};

describe('estimateStoredRequest', () => {
  it('prices an input image at the size its header names', async () => {
    const small = estimateStoredRequest(engine, vary, { 'input.png': await png(512, 512) });
    const large = estimateStoredRequest(engine, vary, { 'input.png': await png(1024, 1024) });
    // Four times the cells, and attention grows faster than the cells.
    expect(large / small).toBeGreaterThan(4);
    const wide = estimateStoredRequest(engine, vary, { 'input.png': await png(1024, 576) });
    expect(wide).toBeGreaterThan(small);
    expect(wide).toBeLessThan(large);
  });

  it('prices a missing or unreadable input as a typical 512² one', async () => {
    const typical = estimateStoredRequest(engine, vary, { 'input.png': await png(512, 512) });
    expect(estimateStoredRequest(engine, vary)).toBe(typical);
    expect(
      estimateStoredRequest(engine, vary, { 'input.png': new TextEncoder().encode('not an image') }),
    ).toBe(typical);
  });
});
