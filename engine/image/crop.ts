// Aspect-ratio buckets and the centred crop of input images (dimoo-inference.md §2.3), as pure plans.
// @see Alpha-VLLM/Lumina-DiMOO utils/image_utils.py: generate_crop_size_list, var_center_crop, center_crop

export interface Size {
  width: number;
  height: number;
}

/**
 * Upstream's bucket list: walk (wp, hp) from (numPatches, 1) towards (1, …), raising hp while
 * `(hp+1)·wp ≤ numPatches`, else lowering wp; keep sizes whose aspect is at most `maxRatio`.
 */
export function generateCropSizeList(numPatches: number, patchSize = 32, maxRatio = 4): Size[] {
  if (maxRatio < 1) throw new RangeError(`maxRatio must be at least 1, got ${maxRatio}`);
  const list: Size[] = [];
  let wp = numPatches;
  let hp = 1;
  while (wp > 0) {
    if (Math.max(wp, hp) / Math.min(wp, hp) <= maxRatio)
      list.push({ width: wp * patchSize, height: hp * patchSize });
    if ((hp + 1) * wp <= numPatches) hp += 1;
    else wp -= 1;
  }
  return list;
}

/** Input-crop classes: 512 for image-to-image, 1024 for understanding (§2.3). */
export type BucketClass = 512 | 1024;

const bucketCache = new Map<BucketClass, Size[]>();

/** The buckets of a class: `generateCropSizeList((class/32)², 32)`. */
export function bucketList(bucketClass: BucketClass): readonly Size[] {
  let list = bucketCache.get(bucketClass);
  if (!list) {
    list = generateCropSizeList((bucketClass / 32) ** 2, 32);
    bucketCache.set(bucketClass, list);
  }
  return list;
}

/**
 * The bucket whose aspect best matches the image: the largest `min(cw/w, ch/h) / max(cw/w, ch/h)`, ties going to
 * the larger (width, height) as Python's reverse tuple sort orders them (upstream's top-1, deterministic).
 */
export function pickBucket(width: number, height: number, list: readonly Size[]): Size {
  let best: Size | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const size of list) {
    const sw = size.width / width;
    const sh = size.height / height;
    const score = Math.min(sw, sh) / Math.max(sw, sh);
    const better =
      score > bestScore ||
      (score === bestScore &&
        best !== undefined &&
        (size.width > best.width || (size.width === best.width && size.height > best.height)));
    if (better) {
      best = size;
      bestScore = score;
    }
  }
  if (!best) throw new RangeError('empty bucket list');
  return best;
}

/** Python 3's `round()`: half to even. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface CropPlan {
  /** Sizes after each box-filter halving (`size // 2`), in order. */
  halvings: Size[];
  /** Size after the bicubic resize that makes the target fit inside. */
  resize: Size;
  /** The centred crop of the resized image. */
  crop: { left: number; top: number; width: number; height: number };
}

/**
 * Upstream's `center_crop` with a true centre instead of its random offset: halve (box filter) while both sides
 * are at least twice the target, bicubic-resize by `max(tw/w, th/h)` with Python rounding, crop the middle.
 */
export function planCenterCrop(width: number, height: number, target: Size): CropPlan {
  const halvings: Size[] = [];
  let w = width;
  let h = height;
  while (w >= 2 * target.width && h >= 2 * target.height) {
    w = Math.floor(w / 2);
    h = Math.floor(h / 2);
    halvings.push({ width: w, height: h });
  }
  const scale = Math.max(target.width / w, target.height / h);
  const resize = { width: pyRound(w * scale), height: pyRound(h * scale) };
  return {
    halvings,
    resize,
    crop: {
      left: Math.floor((resize.width - target.width) / 2),
      top: Math.floor((resize.height - target.height) / 2),
      width: target.width,
      height: target.height,
    },
  };
}
