// Pixels ↔ VQ indices through the two VQ graphs. Pixel conversion is upstream's: encode feeds RGB/255 as float
// (VaeImageProcessor with do_normalize=False), decode clips to [0, 1] and rounds x·255 half-to-even (numpy).
// Sessions come from a caller-provided factory so device choice lives elsewhere; each graph is built and its
// session opened on first use (text-to-image never needs the encoder).
import { EngineError, type RgbImage } from '../api.js';
import { buildVqDecoder, buildVqEncoder, type GroupNormMode } from '../graphs/vq.js';
import type { VqConfig } from '../graphs/vq-config.js';
import { externalDataSessionOptions, type WeightRef } from './external-data.js';
import { releaseSession, runSession, type Session, type SessionOptions, Tensor } from './ort.js';

/** Opens a session for a model given as bytes (or a path). Must keep `options.extra` (external-data folder). */
export type SessionFactory = (model: Uint8Array | string, options: SessionOptions) => Promise<Session>;

export interface VqCodecOptions {
  config: VqConfig;
  /** Looks a VQ tensor up by its diffusers name (without the `vqvae/` folder). */
  weight: (name: string) => WeightRef;
  /** Folder every weight file lies under; external-data locations are relative to it. */
  folder: string;
  createSession: SessionFactory;
  groupNorm?: GroupNormMode;
}

export interface VqTokens {
  rows: number;
  cols: number;
  /** Row-major codebook indices, rows × cols. */
  indices: Int32Array;
}

function badRequest(detail: string): EngineError {
  return new EngineError('bad_request', detail, { detail });
}

export class VqCodec {
  private encoder?: Promise<Session>;
  private decoder?: Promise<Session>;

  constructor(private readonly options: VqCodecOptions) {}

  get scaleFactor(): number {
    return this.options.config.scaleFactor;
  }

  get codebookSize(): number {
    return this.options.config.codebookSize;
  }

  private open(model: () => Uint8Array): Promise<Session> {
    // No memory pattern: from its second run at a size, onnxruntime takes that size's whole plan as one block from
    // its arena, which the first run's freed chunks rarely fit, so the arena grows by the block and keeps it. On the
    // CPU (generated small checkpoint, five decodes of one size) peak RSS was 375 MiB with the pattern and 267
    // without at 512², 1106 and 671 at 1024², and no slower without it (not measured on CUDA, whose arena is alike).
    return this.options.createSession(
      model(),
      externalDataSessionOptions(this.options.folder, { enableMemPattern: false }),
    );
  }

  private encoderSession(): Promise<Session> {
    const { config, weight, folder, groupNorm } = this.options;
    if (!this.encoder) {
      const pending = this.open(() => buildVqEncoder(config, { weight, folder, groupNorm }));
      this.encoder = pending;
      // A failed start is not remembered: the next job tries again.
      pending.catch(() => {
        if (this.encoder === pending) this.encoder = undefined;
      });
    }
    return this.encoder;
  }

  private decoderSession(): Promise<Session> {
    const { config, weight, folder, groupNorm } = this.options;
    if (!this.decoder) {
      const pending = this.open(() => buildVqDecoder(config, { weight, folder, groupNorm, output: 'rgb8' }));
      this.decoder = pending;
      pending.catch(() => {
        if (this.decoder === pending) this.decoder = undefined;
      });
    }
    return this.decoder;
  }

  /** Builds and opens both sessions now (otherwise they open on first use). */
  async warm(): Promise<void> {
    await Promise.all([this.encoderSession(), this.decoderSession()]);
  }

  async encode(image: RgbImage): Promise<VqTokens> {
    const { width, height, data } = image;
    const s = this.scaleFactor;
    if (!(width > 0 && height > 0 && width % s === 0 && height % s === 0)) {
      throw badRequest(
        `VQ encode needs width and height that are positive multiples of ${s}, got ${width}×${height}`,
      );
    }
    if (data.length !== width * height * 3) {
      throw badRequest(
        `RGB data has ${data.length} bytes, expected ${width * height * 3} for ${width}×${height}`,
      );
    }
    const plane = width * height;
    const pixels = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      pixels[i] = (data[3 * i] as number) / 255;
      pixels[plane + i] = (data[3 * i + 1] as number) / 255;
      pixels[2 * plane + i] = (data[3 * i + 2] as number) / 255;
    }
    const session = await this.encoderSession();
    const out = await runSession(session, { image: new Tensor('float32', pixels, [1, 3, height, width]) });
    const raw = out.indices?.data as BigInt64Array;
    return { rows: height / s, cols: width / s, indices: Int32Array.from(raw, (v) => Number(v)) };
  }

  async decode(rows: number, cols: number, indices: ArrayLike<number>): Promise<RgbImage> {
    if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows > 0 && cols > 0)) {
      throw badRequest(`VQ decode needs a positive token grid, got ${rows}×${cols}`);
    }
    if (indices.length !== rows * cols) {
      throw badRequest(`VQ decode got ${indices.length} indices for a ${rows}×${cols} grid`);
    }
    const ids = new BigInt64Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const v = indices[i] as number;
      if (!(Number.isInteger(v) && v >= 0 && v < this.codebookSize)) {
        throw badRequest(`VQ index ${v} at cell ${i} is outside the codebook (0..${this.codebookSize - 1})`);
      }
      ids[i] = BigInt(v);
    }
    const session = await this.decoderSession();
    const out = await runSession(session, { indices: new Tensor('int64', ids, [1, rows, cols]) });
    const s = this.scaleFactor;
    return { width: cols * s, height: rows * s, data: out.image?.data as Uint8Array };
  }

  async close(): Promise<void> {
    const sessions = [this.encoder, this.decoder];
    this.encoder = undefined;
    this.decoder = undefined;
    for (const s of sessions) if (s) await releaseSession(await s);
  }
}
