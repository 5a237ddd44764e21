// Test double for the engine's finishing report: the timed double, whose steps are followed by the report that the
// image is being finished (`phase: 'finishing'`, as engine/tasks/finishing.ts sends it) and then, with `hold`, by a
// decode that lasts until `release()`.
import type { EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import { TimedEngineDouble } from './timed-engine.js';

export class FinishingEngineDouble extends TimedEngineDouble {
  private opened: () => void = () => undefined;
  private readonly decoded: Promise<void>;

  constructor(msPerStep = 2, steps = 3, hold = false) {
    super(msPerStep, steps);
    this.decoded = hold
      ? new Promise<void>((resolve) => {
          this.opened = resolve;
        })
      : Promise.resolve();
  }

  /** Ends the held decode of every job, those to come included. */
  release(): void {
    this.opened();
  }

  override async generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    let total = 0;
    const result = await super.generate(request, {
      ...options,
      onProgress: (p) => {
        total = p.total;
        options.onProgress?.(p);
      },
    });
    if (request.task !== 'understand') options.onProgress?.({ step: total, total, phase: 'finishing' });
    await this.decoded;
    return result;
  }
}
