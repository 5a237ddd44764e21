// Pixels ⇄ VQ codes through the two VQ graphs; one session each, created by the caller's factory so that device
// choice stays in one place.
import * as ort from 'onnxruntime-node';
import { EngineError, type RgbImage } from '../api.js';
import {
  buildVqDecoder,
  buildVqEncoder,
  type VqArchitecture,
  type VqWeights,
  vqScaleFactor,
} from '../graphs/vq.js';

export type SessionFactory = (model: Uint8Array) => Promise<ort.InferenceSession>;

export interface CodeGrid {
  rows: number;
  cols: number;
  indices: Int32Array; // row-major, 0 … codebook size − 1
}

export class VqCodec {
  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    readonly scale: number,
    readonly codebookSize: number,
  ) {}

  static async create(
    arch: VqArchitecture,
    weights: VqWeights,
    createSession: SessionFactory,
  ): Promise<VqCodec> {
    const [encoder, decoder] = await Promise.all([
      createSession(buildVqEncoder(arch, weights)),
      createSession(buildVqDecoder(arch, weights)),
    ]);
    return new VqCodec(encoder, decoder, vqScaleFactor(arch), arch.num_vq_embeddings);
  }

  /** Encodes an image whose sides are multiples of the scale factor (crop or resize first). */
  async encode(image: RgbImage): Promise<CodeGrid> {
    if (image.width % this.scale !== 0 || image.height % this.scale !== 0) {
      throw new EngineError(
        'bad_request',
        `image ${image.width}×${image.height} is not a multiple of ${this.scale}`,
        {
          detail: `image sides must be multiples of ${this.scale}`,
        },
      );
    }
    const out = await this.encoder.run(
      { pixels: new ort.Tensor('uint8', image.data, [1, image.height, image.width, 3]) },
      ['indices'],
    );
    const indices = out.indices?.data as BigInt64Array;
    return {
      rows: image.height / this.scale,
      cols: image.width / this.scale,
      indices: Int32Array.from(indices, (v) => Number(v)),
    };
  }

  async decode(grid: CodeGrid): Promise<RgbImage> {
    const codes = BigInt64Array.from(grid.indices, (v) => {
      if (v < 0 || v >= this.codebookSize)
        throw new EngineError('internal', `VQ index ${v} outside the codebook`);
      return BigInt(v);
    });
    const out = await this.decoder.run({
      indices: new ort.Tensor('int64', codes, [1, grid.rows, grid.cols]),
    });
    const pixels = out.pixels;
    if (!pixels) throw new EngineError('internal', 'VQ decoder returned no pixels');
    return { width: grid.cols * this.scale, height: grid.rows * this.scale, data: pixels.data as Uint8Array };
  }

  async close(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}
