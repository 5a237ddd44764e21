// Progress previews of the image loops (runImageLoops and the ML-Cache loops): one picture and one pacing for
// all of them (engine-design §4: the grid with masked cells filled by their most likely code, rate-limited).
import type { RgbImage } from '../api.js';
import type { TokenLayout } from '../sampling/layout-type.js';
import { type ImageCodes, type ImageGenerationSequence, readImageCodes } from '../sequence.js';

export interface PreviewOption {
  intervalMs: number;
  decode: (codes: ImageCodes) => Promise<RgbImage>;
}

/** The current grid with every still-masked cell shown as its most likely code (`best`, one per sampled cell). */
export function previewCodes(
  seq: ImageGenerationSequence,
  x: Int32Array,
  sampled: Int32Array,
  best: Int32Array,
  layout: TokenLayout,
): ImageCodes {
  const filled = Int32Array.from(x);
  for (let i = 0; i < sampled.length; i++) {
    const p = sampled[i]!;
    if (filled[p] === layout.mask) filled[p] = layout.imageCodeOffset + best[i]!;
  }
  return readImageCodes(seq, filled, layout);
}

/**
 * Paces previews: one after the first step that leaves cells masked, then only once `intervalMs` has passed since
 * the last one ended, and (`intervalMs` > 0) at least twice as long as that decode took; never after the last step
 * (the result is the final picture). Counted from the start instead, a decode slower than the interval (a 1024² VQ
 * decode on a CPU) ran after every step: most of the job's time, each one blocking the event loop, since
 * onnxruntime-node runs a session synchronously on the calling thread. `intervalMs` 0 still decodes every step
 * (a grid's other members, paced by the first).
 */
export class PreviewPacer {
  private next = Number.NEGATIVE_INFINITY;
  constructor(private readonly option: PreviewOption | undefined) {}

  async maybe(stillMasked: number, codes: () => ImageCodes): Promise<RgbImage | undefined> {
    if (!this.option || stillMasked === 0) return undefined;
    const started = performance.now();
    if (started < this.next) return undefined;
    const image = await this.option.decode(codes());
    const ended = performance.now();
    const { intervalMs } = this.option;
    this.next = ended + (intervalMs > 0 ? Math.max(intervalMs, 2 * (ended - started)) : 0);
    return image;
  }
}
