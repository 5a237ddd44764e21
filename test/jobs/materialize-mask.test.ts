// A stored /retouch job read back for the engine: the mask file is read as a mask (its transparency is "keep"),
// the picture as a picture (its transparency flattened onto white, as ever).
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/jobs/index.js';
import { materializeRequest } from '../../src/jobs/job-parts.js';

// 32×16: the left half transparent, the right half opaque white.
async function halfTransparentPng(): Promise<Uint8Array> {
  const data = new Uint8Array(32 * 16 * 4).fill(255);
  for (let p = 0; p < 32 * 16; p++) if (p % 32 < 16) data[p * 4 + 3] = 0;
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
});
