// A stored /retouch job read back for the engine: the mask file is read as a mask against the job's picture (a
// brush layer's transparency is "keep", a copy of the picture's transparent hole is "redraw"), the picture as a
// picture (its transparency flattened onto white, as ever).
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/index.js';
import { materializeRequest } from '../../src/jobs/job-parts.js';

// 32×16: the left `hole` columns (half unless given) transparent, the rest opaque `right` (white unless given).
async function halfTransparentPng(right?: (p: number) => number[], hole = 16): Promise<Uint8Array> {
  const data = new Uint8Array(32 * 16 * 4).fill(255);
  for (let p = 0; p < 32 * 16; p++) {
    if (p % 32 < hole) data[p * 4 + 3] = 0;
    else if (right) data.set([...right(p), 255], p * 4);
  }
  return new Uint8Array(
    await sharp(data, { raw: { width: 32, height: 16, channels: 4 } })
      .png()
      .toBuffer(),
  );
}

function retouchJob(): Job {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    seq: 1,
    owner: { platform: 'web', userId: 'u' },
    scope: 'playground',
    kind: 'paint',
    request: {
      task: 'paint',
      prompt: 'a cat',
      image: { file: 'input.png' },
      region: { kind: 'mask', mask: { file: 'mask.png' } },
    },
    meta: { paint: 'retouch' },
    priority: 'normal',
    status: 'queued',
    attempts: 0,
    estimatedCost: 1,
    createdAt: 0,
  };
}

describe('materializeRequest', () => {
  it('reads the mask as a mask and the picture as a picture', async () => {
    const bytes = await halfTransparentPng();
    const request = await materializeRequest(retouchJob(), () => bytes);
    if (request.task !== 'paint' || request.region.kind !== 'mask') throw new Error('not a mask paint');
    const mask = request.region.mask;
    // The mask: transparent = keep (black), white = redraw.
    expect([0, 16].map((x) => mask.data[x * 3])).toEqual([0, 255]);
    // The picture: transparency onto white.
    expect([0, 16].map((x) => request.image.data[x * 3])).toEqual([255, 255]);
  });

  it("reads a copy of the job's picture with a transparent hole as the hole to redraw (a dark photo too)", async () => {
    const dark = (p: number) => [(p * 3) % 30, (p * 7) % 25, (p * 5) % 28];
    const picture = new Uint8Array(
      await sharp(
        Uint8Array.from({ length: 32 * 16 * 3 }, (_, i) => dark(Math.floor(i / 3))[i % 3]!),
        {
          raw: { width: 32, height: 16, channels: 3 },
        },
      )
        .png()
        .toBuffer(),
    );
    const mask = await halfTransparentPng(dark, 8);
    const request = await materializeRequest(retouchJob(), (name) => (name === 'mask.png' ? mask : picture));
    if (request.task !== 'paint' || request.region.kind !== 'mask') throw new Error('not a mask paint');
    const read = request.region.mask;
    // The hole (the left quarter) redrawn, the picture's copy kept: read alone, a dark mask was "empty".
    expect([0, 16].map((x) => read.data[x * 3])).toEqual([255, 0]);
  });
});
