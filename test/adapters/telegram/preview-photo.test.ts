import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PREVIEW_MAX_SIDE, previewPhoto } from '../../../adapters/telegram/preview-photo.js';

const png = async (width: number, height: number) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: '#36a' } })
      .png()
      .toBuffer(),
  );

describe('Telegram preview photos', () => {
  it('shrinks a full-size preview to a small JPEG within PREVIEW_MAX_SIDE, keeping the aspect', async () => {
    const source = await png(1024, 768);
    const photo = await previewPhoto({ data: source, filename: 'preview.png', mime: 'image/png' });
    const meta = await sharp(photo.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', PREVIEW_MAX_SIDE, 384]);
    expect([photo.mime, photo.filename]).toEqual(['image/jpeg', 'preview.jpg']);
    expect(photo.data.byteLength).toBeLessThan(source.byteLength);
  });

  it('never enlarges a small preview', async () => {
    const photo = await previewPhoto({ data: await png(256, 160), filename: 'p.png', mime: 'image/png' });
    const meta = await sharp(photo.data).metadata();
    expect([meta.width, meta.height]).toEqual([256, 160]);
  });

  it('rejects bytes that are not an image (the caller then goes on as text)', async () => {
    await expect(
      previewPhoto({ data: new Uint8Array([1, 2, 3]), filename: 'x.png', mime: 'image/png' }),
    ).rejects.toThrow();
  });
});
