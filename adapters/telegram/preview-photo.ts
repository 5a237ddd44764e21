// Previews are full-size decodes of a half-finished image, uploaded every second or two: as a JPEG at most
// PREVIEW_MAX_SIDE pixels a side they are a few dozen KB instead of a few MB, which Telegram shows at chat size
// anyway. Results are never touched: they stay the lossless PNG.
import sharp from 'sharp';
import type { ReplyImage } from '../../commands/index.js';

export const PREVIEW_MAX_SIDE = 512;
const PREVIEW_QUALITY = 75;

export async function previewPhoto(image: ReplyImage): Promise<ReplyImage> {
  const data = await sharp(image.data)
    .resize(PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: PREVIEW_QUALITY })
    .toBuffer();
  return { data: new Uint8Array(data), filename: 'preview.jpg', mime: 'image/jpeg' };
}
