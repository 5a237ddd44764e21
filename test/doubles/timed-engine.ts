// Test double for the engine: takes `msPerStep` per step (or a task's own from `msPerStepByTask`), reports progress, honours the abort signal, fails on
// prompts containing "boom", and records the order in which requests started and the size of every batch it
// was given. Real cost estimates. An image request's `count` gives that many candidates (each filled with a grey of
// its seed, `greyOfSeed`), tiled as the engine tiles them.

import { tileImages } from '../../engine/image/grid.js';
import type { BatchItem, Engine, EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import { EngineError, estimateCost } from '../../engine/index.js';

/** The grey a candidate of the double is filled with, so a test can tell candidates apart. */
export const greyOfSeed = (seed: number) => (seed * 37) % 256;

export class TimedEngineDouble
  implements Pick<Engine, 'generate' | 'generateBatch' | 'estimateCost' | 'info'>
{
  readonly started: EngineRequest[] = [];
  readonly batches: number[] = [];
  readonly info = {
    device: 'cpu' as const,
    modelDir: '/test-double',
    dtype: 'fp32' as const,
    dims: {
      dModel: 64,
      nLayers: 2,
      nHeads: 4,
      nKvHeads: 4,
      mlpHidden: 128,
      vocabSize: 512,
      codebookSize: 64,
    },
  };

  /** What every understanding request answers. */
  answer = 'a test answer';

  constructor(
    private readonly msPerStep = 2,
    private readonly steps = 3,
    private readonly msPerStepByTask: Partial<Record<EngineRequest['task'], number>> = {},
  ) {}

  estimateCost(request: EngineRequest): number {
    return estimateCost(request);
  }

  async generateBatch(items: readonly BatchItem[]): Promise<Array<EngineResult | EngineError>> {
    this.batches.push(items.length);
    return Promise.all(
      items.map((item) =>
        this.generate(item.request, item.options).catch((error: unknown) =>
          error instanceof EngineError ? error : new EngineError('internal', String(error)),
        ),
      ),
    );
  }

  async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    this.started.push(request);
    for (let step = 1; step <= this.steps; step++) {
      await new Promise((resolve) =>
        setTimeout(resolve, this.msPerStepByTask[request.task] ?? this.msPerStep),
      );
      if (options.signal?.aborted) throw new EngineError('cancelled', 'cancelled');
      if ('prompt' in request && request.prompt.includes('boom')) throw new EngineError('internal', 'boom');
      options.onProgress?.({ step, total: this.steps });
    }
    const timings = { total_ms: 1, forward_ms: 1, load_ms: 0 };
    if (request.task === 'understand')
      return { kind: 'text', text: this.answer, tokens: [], seed: 0, steps: this.steps, timings };
    // Text-to-image draws its size, a scattered repaint (Vary, Upscale) its input's, any other task a 16² image.
    const { width, height } =
      request.task === 'text_to_image'
        ? request
        : request.task === 'paint' && request.region.kind === 'scatter'
          ? request.image
          : { width: 16, height: 16 };
    const count = request.count ?? 1;
    if (count > 1) {
      const base = request.seed ?? 1;
      const candidates = Array.from({ length: count }, (_, i) => {
        const seed = (base + i) >>> 0;
        return {
          seed,
          image: { width, height, data: new Uint8Array(width * height * 3).fill(greyOfSeed(seed)) },
        };
      });
      return {
        kind: 'image',
        image: tileImages(candidates.map((c) => c.image)),
        tokens: { rows: height / 16, cols: width / 16, data: new Int32Array((width / 16) * (height / 16)) },
        seed: base,
        steps: this.steps,
        timings,
        candidates,
      };
    }
    return {
      kind: 'image',
      image: { width, height, data: new Uint8Array(width * height * 3).fill(128) },
      tokens: { rows: height / 16, cols: width / 16, data: new Int32Array((width / 16) * (height / 16)) },
      seed: request.seed ?? 1,
      steps: this.steps,
      timings,
    };
  }
}
