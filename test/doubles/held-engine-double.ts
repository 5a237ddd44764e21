// Test double for the engine: every run is held (a step on a busy or wedged device) until what `holds` names ends it,
// so a test can let a shutdown's waits run out while the run is still with the engine. Real cost estimates.
import {
  EngineError,
  type EngineRequest,
  type EngineResult,
  type GenerateOptions,
} from '../../engine/index.js';
import { TimedEngineDouble } from './timed-engine.js';

/**
 * - `until-released`: the test ends the run with `release()`; it then sees the abort, as the engine does (`cancelled`
 *   when its signal aborted, another error when not).
 * - `forever`: the run never ends (a wedged device), so no abort is ever looked at.
 * - `until-abort`: the run's last steps end just as the abort comes (`answerAfterMs` after it, when given): it answers
 *   with the job's result, the abort having come too late.
 */
export type HeldRun = 'until-released' | 'forever' | 'until-abort';

export class HeldEngineDouble extends TimedEngineDouble {
  /** Ends the latest `until-released` run. */
  release: () => void = () => undefined;

  constructor(
    private readonly holds: HeldRun = 'until-released',
    private readonly options: { answerAfterMs?: number } = {},
  ) {
    super();
  }

  override generate(request: EngineRequest, options: GenerateOptions = {}): Promise<EngineResult> {
    if (this.holds === 'forever') return new Promise(() => undefined);
    if (this.holds === 'until-abort') {
      const { answerAfterMs } = this.options;
      return new Promise((resolve) => {
        const answer = () => resolve(super.generate(request));
        options.signal?.addEventListener(
          'abort',
          answerAfterMs === undefined ? answer : () => setTimeout(answer, answerAfterMs),
          { once: true },
        );
      });
    }
    return new Promise((_resolve, reject) => {
      this.release = () =>
        reject(options.signal?.aborted ? new EngineError('cancelled', 'cancelled') : new Error('?'));
    });
  }
}
