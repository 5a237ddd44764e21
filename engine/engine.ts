// A loaded model: runs one request at a time (the model is one GPU-resident instance) and dispatches each task to
// its function in engine/tasks. Loading lives in engine/load-engine.ts.
import {
  type BatchItem,
  type Engine,
  EngineError,
  type EngineInfo,
  type EngineRequest,
  type EngineResult,
  type GenerateOptions,
  type TextToImageRequest,
} from './api.js';
import { batchKey } from './batch-key.js';
import { estimateCost } from './cost.js';
import { asEngineError } from './errors.js';
import type { TaskContext } from './tasks/context.js';
import { imageToImage } from './tasks/image-to-image.js';
import { paint } from './tasks/paint.js';
import { textToImage, textToImageBatch, textToImageCandidates } from './tasks/text-to-image.js';
import { understand } from './tasks/understand.js';

export class DimooEngine implements Engine {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly info: EngineInfo,
    private readonly ctx: TaskContext,
    private readonly loadMs: number,
    private readonly release: () => Promise<void>,
    /** Throws `device_memory` when the requests, run together, would not fit the configured budget. */
    private readonly checkMemory: (requests: readonly EngineRequest[]) => void = () => undefined,
    /** The request as it can run within the budget (engine/memory.ts fitDeviceMemory); throws when none can. */
    private readonly fitMemory: (request: EngineRequest) => EngineRequest = (request) => request,
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

  generateBatch(items: readonly BatchItem[]): Promise<Array<EngineResult | EngineError>> {
    const run = this.queue.then(() => this.runBatch(items));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Items sharing a batch key go through textToImageBatch together; the others run one by one. */
  private async runBatch(items: readonly BatchItem[]): Promise<Array<EngineResult | EngineError>> {
    if (this.closed) throw new EngineError('internal', 'the engine is closed');
    const out: Array<EngineResult | EngineError | undefined> = items.map(() => undefined);
    const groups = new Map<string, number[]>();
    for (const [i, item] of items.entries()) {
      const key = batchKey(item.request);
      if (key === undefined) continue;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      // A group that would not fit together runs one by one below, each checked on its own.
      try {
        this.checkMemory(members.map((i) => (items[i] as BatchItem).request));
      } catch {
        continue;
      }
      const started = performance.now();
      const batch = members.map((i) => items[i] as BatchItem);
      let results: Array<Awaited<ReturnType<typeof textToImageBatch>>[number]>;
      try {
        results = await textToImageBatch(
          this.ctx,
          batch.map(({ request, options }) => ({ request: request as TextToImageRequest, options })),
        );
      } catch (error) {
        const failure = asEngineError(error);
        results = batch.map(() => failure);
      }
      const totalMs = performance.now() - started;
      for (const [k, i] of members.entries()) {
        const r = results[k] as (typeof results)[number];
        if (r instanceof EngineError) out[i] = r;
        else {
          const { forwardMs, ...rest } = r;
          out[i] = { ...rest, timings: { total_ms: totalMs, forward_ms: forwardMs, load_ms: this.loadMs } };
        }
      }
    }
    for (const [i, item] of items.entries()) {
      if (out[i] !== undefined) continue;
      out[i] = await this.run(item.request, item.options ?? {}).catch(asEngineError);
    }
    return out as Array<EngineResult | EngineError>;
  }

  private async run(request: EngineRequest, options: GenerateOptions): Promise<EngineResult> {
    if (this.closed) throw new EngineError('internal', 'the engine is closed');
    if (options.signal?.aborted) throw new EngineError('cancelled', 'the job was cancelled');
    const started = performance.now();
    try {
      const result = await this.dispatch(this.fitMemory(request), options);
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
        return (request.count ?? 1) > 1
          ? textToImageCandidates(this.ctx, request, options)
          : textToImage(this.ctx, request, options);
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
