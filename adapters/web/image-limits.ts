// What the composer may attach, as the server will judge it: the page (`public/image-limits.js`) refuses an image
// beyond these at once, in the server's own words, rather than after uploading it. The server's checks stay (the
// page is a convenience, and a page of another version may know other limits).
import {
  DEFAULT_MAX_ASPECT,
  DEFAULT_MIN_SIDE,
  EngineError,
  type ImageHeader,
  judgeImageShape,
} from '../../engine/index.js';
import { type Locale, t } from '../../src/i18n.js';

/** The limits `/api/info` hands the page: the upload's bytes, and the shape `acceptImage` judges from a header. */
export interface PageImageLimits {
  maxBytes: number;
  maxPixels: number;
  minSide: number;
  maxAspect: number;
}

export function pageImageLimits(maxBytes: number, maxPixels: number): PageImageLimits {
  // The shape limits the commands judge an input by: the engine's defaults (`acceptImage` passes only maxPixels).
  return { maxBytes, maxPixels, minSide: DEFAULT_MIN_SIDE, maxAspect: DEFAULT_MAX_ASPECT };
}

/** A header just past each shape limit, for the refusal the engine words for it. */
function pastEachLimit(limits: PageImageLimits): ImageHeader[] {
  const header = (width: number, height: number): ImageHeader => ({ format: 'png', width, height });
  return [
    header(limits.maxPixels + 1, 1),
    header(limits.minSide - 1, limits.minSide - 1),
    header(Math.ceil(limits.minSide * limits.maxAspect) + 1, limits.minSide),
  ];
}

/**
 * The refusals the page may give, keyed by their locale keys, in `locale`, with every value but the image's own
 * `{size}` filled in as the server fills it (the limit in the language's size units, the megapixels, the ratio range):
 * the page puts in only what it measured, so its words are the server's.
 */
export function imageRefusals(locale: Locale, limits: PageImageLimits): Record<string, string> {
  const refusals: Record<string, string> = {
    // An empty file, and one that is no PNG, JPEG or WebP by its first bytes, refused in the composer in the
    // server's words.
    'errors.engine.image_empty': t(locale, 'errors.engine.image_empty'),
    'errors.engine.image_unsupported': t(locale, 'errors.engine.image_unsupported'),
    'errors.input.too_large': t(locale, 'errors.input.too_large', { limitBytes: limits.maxBytes }),
    // Without the file's size, for when the page cannot ask the server to write it (`/api/size`).
    'errors.input.too_large_unsized': t(locale, 'errors.input.too_large_unsized', {
      limitBytes: limits.maxBytes,
    }),
  };
  const shapeLimits = { maxPixels: limits.maxPixels, minSide: limits.minSide, maxAspect: limits.maxAspect };
  for (const header of pastEachLimit(limits)) {
    try {
      judgeImageShape(header, shapeLimits);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      const key = `errors.engine.${error.code}`;
      refusals[key] = t(locale, key, { ...error.params, size: '{size}' });
    }
  }
  return refusals;
}
