// The server's limits on an attached image (`imageLimits` of /api/info), judged in the composer so that an image the
// server would refuse is refused at once rather than after its upload. The words are the server's own refusals, sent
// with every value filled in but the image's `{size}`, which only the page knows. The server judges again.

const withSize = (message, size) => message.replaceAll('{size}', size);

/** A byte count as the server writes sizes in the page's language, or undefined when the server cannot be asked. */
async function sizeFromServer(bytes) {
  try {
    const res = await fetch(`/api/size?bytes=${bytes}`);
    return res.ok ? (await res.json()).size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The refusal of a file too large to upload, or undefined. Its size is written by the server, as the server's own
 * refusal writes it; a server that cannot be asked leaves the refusal without the size.
 * @param {File} file @param {{ maxBytes: number } | undefined} limits
 * @param {Record<string, string>} words the page's strings
 */
export async function bytesRefusal(file, limits, words) {
  const message = words['errors.input.too_large'];
  if (!limits || !message || file.size <= limits.maxBytes) return undefined;
  const size = await sizeFromServer(file.size);
  return size === undefined ? (words['errors.input.too_large_unsized'] ?? message) : withSize(message, size);
}

/**
 * The refusal of an image's shape, in the order the server judges it (pixels, smallest side, aspect), or undefined.
 * @param {{ width: number, height: number }} size
 * @param {{ maxPixels: number, minSide: number, maxAspect: number } | undefined} limits
 * @param {Record<string, string>} words the page's strings
 */
export function shapeRefusal({ width, height }, limits, words) {
  if (!limits) return undefined;
  const key =
    width * height > limits.maxPixels
      ? 'errors.engine.image_too_large'
      : Math.min(width, height) < limits.minSide
        ? 'errors.engine.image_too_small'
        : Math.max(width, height) / Math.min(width, height) > limits.maxAspect
          ? 'errors.engine.image_aspect'
          : undefined;
  // A page without the words (an older server) leaves the judgement to the server.
  return key && words[key] ? withSize(words[key], `${width}×${height}`) : undefined;
}

/**
 * An image's width and height, read by the browser without drawing it (an image not on the page is not decoded), or
 * undefined when the browser cannot read it: then the page goes on as it would without limits.
 */
export function readSize(url) {
  return new Promise((resolve) => {
    const probe = new Image();
    probe.onload = () => {
      const { naturalWidth: width, naturalHeight: height } = probe;
      resolve(width > 0 && height > 0 ? { width, height } : undefined);
    };
    probe.onerror = () => resolve(undefined);
    probe.src = url;
  });
}
