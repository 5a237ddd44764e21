// Test double: an engine whose job with "slow" in its prompt runs a minute (60 steps of 1 s, stopped by its signal),
// any other the timed double's 15 ms: a job held in hand while others queue behind it.
import type { EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import { TimedEngineDouble } from './timed-engine.js';

export class SlowPromptEngineDouble extends TimedEngineDouble {
  private readonly slow = new TimedEngineDouble(1000, 60);
  /** When the slow job's engine call ended (its abort honoured), by Date.now(). */
  slowEndedAt: number | undefined;

  override async generate(request: EngineRequest, options?: GenerateOptions): Promise<EngineResult> {
    if (!('prompt' in request) || !request.prompt.includes('slow')) return super.generate(request, options);
    try {
      return await this.slow.generate(request, options);
    } finally {
      this.slowEndedAt = Date.now();
    }
  }
}
