// Image-to-image through the real engine on a generated tiny checkpoint: every edit-type family, sizes,
// seeded determinism, refusals and cancellation.
import { describe, expect, it } from 'vitest';
import type { ImageResult, RgbImage } from '../../../engine/index.js';
import { dualGuidanceWeights } from '../../../engine/tasks/image-to-image.js';
import { useTinyEngine } from '../tiny-engine.js';

function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      data[i] = (x * 7) & 255;
      data[i + 1] = (y * 5) & 255;
      data[i + 2] = ((x + y) * 3) & 255;
    }
  return { width, height, data };
}

describe('image-to-image on a generated tiny checkpoint', () => {
  const tiny = useTinyEngine('dimoo-i2i-', 3);
  const wide = gradient(200, 100); // 2:1 → the 512-class bucket 704×352
  const square = gradient(64, 64); // → 512×512

  const edit = (editType: string, seed: number | undefined = 7, extra = {}) =>
    tiny.engine.generate({
      task: 'image_to_image',
      editType,
      prompt: 'make it blue',
      image: wide,
      steps: 3,
      seed,
      ...extra,
    });

  it('combines the three branches as c + a(c − u_text) + b(c − u_img)', () => {
    expect(dualGuidanceWeights(2.5, 4)).toEqual([7.5, -2.5, -4]);
  });

  it('runs one edit type of every family and returns the bucket-sized image', async () => {
    for (const type of ['edit_add', 'subject_driven', 'canny_control', 'depth_pred', 'multi_view_left']) {
      const result = (await edit(type)) as ImageResult;
      expect(result.kind).toBe('image');
      expect([result.image.width, result.image.height]).toEqual([704, 352]);
      expect([result.tokens.rows, result.tokens.cols]).toEqual([22, 44]);
    }
    const dense = (await edit('canny_pred', 7, { prompt: '', densePrompt: true })) as ImageResult;
    expect(dense.image.width).toBe(704);
  });

  it('takes the output size from the style image for image_ref_transfer', async () => {
    const result = (await tiny.engine.generate({
      task: 'image_to_image',
      editType: 'image_ref_transfer',
      prompt: '',
      image: wide,
      refImage: square,
      steps: 2,
      seed: 1,
    })) as ImageResult;
    expect([result.image.width, result.image.height]).toEqual([512, 512]);
  });

  it('is deterministic for a seed and differs for another seed', async () => {
    const [a, b, c] = (await Promise.all([
      edit('edit_remove', 11),
      edit('edit_remove', 11),
      edit('edit_remove', 12),
    ])) as ImageResult[];
    expect(Array.from(a!.tokens.data)).toEqual(Array.from(b!.tokens.data));
    expect(Buffer.from(a!.image.data).equals(Buffer.from(b!.image.data))).toBe(true);
    expect(Array.from(a!.tokens.data)).not.toEqual(Array.from(c!.tokens.data));
  });

  it('count draws its edits one after another, each as its seed alone', async () => {
    const grid = (await edit('edit_remove', 11, { count: 2 })) as ImageResult;
    const [a, b] = (await Promise.all([edit('edit_remove', 11), edit('edit_remove', 12)])) as ImageResult[];
    expect(grid.candidates?.map((c) => c.seed)).toEqual([11, 12]);
    expect(Buffer.from(grid.candidates?.[0]?.image.data ?? []).equals(Buffer.from(a!.image.data))).toBe(true);
    expect(Buffer.from(grid.candidates?.[1]?.image.data ?? []).equals(Buffer.from(b!.image.data))).toBe(true);
    expect([grid.image.width, grid.image.height]).toEqual([704, 352 * 2 + 8]);
  });

  it('refuses bad requests with one clear bad_request', async () => {
    await expect(edit('edit_everything')).rejects.toMatchObject({
      code: 'bad_request',
      message: /unknown edit type "edit_everything"/,
    });
    await expect(
      tiny.engine.generate({
        task: 'image_to_image',
        editType: 'image_ref_transfer',
        prompt: '',
        image: wide,
      }),
    ).rejects.toMatchObject({ code: 'bad_request', message: /reference image/ });
    await expect(edit('edit_add', 1, { refImage: square })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(edit('edit_add', 1, { prompt: '  ' })).rejects.toMatchObject({
      code: 'bad_request',
      message: /needs a prompt/,
    });
    await expect(
      tiny.engine.generate({
        task: 'image_to_image',
        editType: 'edit_add',
        prompt: 'x',
        image: { width: 4, height: 4, data: new Uint8Array(5) },
      }),
    ).rejects.toMatchObject({ code: 'bad_request', message: /expected 48/ });
    await expect(edit('edit_add', 1, { cfgImg: -1 })).rejects.toMatchObject({
      code: 'bad_request',
      message: /cfgImg/,
    });
  });

  it('stops when cancelled and stays usable', async () => {
    const controller = new AbortController();
    const cancelled = tiny.engine.generate(
      { task: 'image_to_image', editType: 'edit_add', prompt: 'x', image: wide, steps: 20, seed: 1 },
      { signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() },
    );
    await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
    expect((await edit('edit_add')).kind).toBe('image');
  });
});
