// An image task's last stretch: after its last step the VQ decoder turns the tokens into pixels, which on a CPU takes
// seconds for a large image. Progress says so once (`phase: 'finishing'`), so a status left at "step 8 of 8" while
// the decoder runs does not look hung.
import type { GenerateOptions, ProgressEvent } from '../api.js';

export interface FinishingProgress {
  /** The options to run the steps with: their progress passes through, its total remembered. */
  options: GenerateOptions;
  /** Reports that the steps are done and the image is being finished; nothing when no step was reported. */
  finishing(): void;
}

export function finishingProgress(options: GenerateOptions): FinishingProgress {
  const { onProgress } = options;
  if (!onProgress) return { options, finishing: () => undefined };
  let total: number | undefined;
  return {
    options: {
      ...options,
      onProgress: (event: ProgressEvent) => {
        total = event.total;
        onProgress(event);
      },
    },
    finishing: () => {
      if (total !== undefined) onProgress({ step: total, total, phase: 'finishing' });
    },
  };
}
