// A loaded model: runs one request at a time (the model is one GPU-resident instance) and dispatches each task to
// its function in engine/tasks. Loading lives in engine/load-engine.ts.
import {
  type Engine,
  EngineError,
  type EngineInfo,
  type EngineRequest,
  type EngineResult,
  type GenerateOptions,
} from './api.js';
import { estimateCost } from './cost.js';
import type { TaskContext } from './tasks/context.js';
import { imageToImage } from './tasks/image-to-image.js';
import { paint } from './tasks/paint.js';
import { textToImage } from './tasks/text-to-image.js';
import { understand } from './tasks/understand.js';

export class DimooEngine implements Engine {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly info: EngineInfo,
    private readonly ctx: TaskContext,
    private readonly loadMs: number,
    private readonly release: () => Promise<void>,
  ) {}

  estimateCost(request: EngineRequest): number {
    return estimateCost(request, { dModel: this.info.dims.dModel, mlpHidden: this.info.dims.mlpHidden });
  }

  generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    const run = this.queue.then(() => this.run(request, options));
    // The next request waits for this one whether it succeeds or fails.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(request: EngineRequest, options: GenerateOptions): Promise<EngineResult> {
    if (this.closed) throw new EngineError('internal', 'the engine is closed');
    if (options.signal?.aborted) throw new EngineError('cancelled', 'the job was cancelled');
    const started = performance.now();
    try {
      const result = await this.dispatch(request, options);
      const { forwardMs, ...rest } = result;
      return {
        ...rest,
        timings: { total_ms: performance.now() - started, forward_ms: forwardMs, load_ms: this.loadMs },
      } as EngineResult;
    } catch (error) {
      throw asEngineError(error);
    }
  }

  private dispatch(request: EngineRequest, options: GenerateOptions) {
    switch (request.task) {
      case 'text_to_image':
        return textToImage(this.ctx, request, options);
      case 'image_to_image':
        return imageToImage(this.ctx, request, options);
      case 'paint':
        return paint(this.ctx, request, options);
      case 'understand':
        return understand(this.ctx, request, options);
      default: {
        // Requests arrive from JSON (stored jobs, the CLI): the type system cannot vouch for the task name.
        const task = String((request as { task?: unknown }).task);
        throw new EngineError('bad_request', `unknown task "${task}"`, { detail: `unknown task "${task}"` });
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    await this.release();
  }
}

/** Any failure inside a run becomes an EngineError; onnxruntime's allocation failures become out_of_memory. */
export function asEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/bad_alloc|out of memory|Failed to allocate/i.test(message)) {
    return new EngineError('out_of_memory', message, { detail: 'out of memory' });
  }
  return new EngineError('internal', message, { detail: message.slice(0, 200) });
}
