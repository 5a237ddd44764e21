// Test double for the engine: every run waits at a gate until the test opens it, then runs as TimedEngineDouble's
// (its steps, its result), so a test can change the world (Redis asleep, emptied) while a job is with the engine.
import type { EngineRequest, EngineResult, GenerateOptions } from '../../engine/index.js';
import { TimedEngineDouble } from './timed-engine.js';

export class GatedEngineDouble extends TimedEngineDouble {
  private release: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  /** Lets every held run, and every later one, go on. */
  open(): void {
    this.release();
  }

  override async generate(request: EngineRequest, options?: GenerateOptions): Promise<EngineResult> {
    await this.gate;
    return super.generate(request, options);
  }
}
