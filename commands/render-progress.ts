// A running job's progress as its reply shows it: the step it is at, or, its steps done, that the image is being
// finished (the engine's VQ decode: seconds on a CPU, where "step 8 of 8" with a full bar looked hung); and a step's
// preview as a small JPEG. The finishing line replaces the last step's in the same paced edit: no edit of its own.
import { encodePreview, type RgbImage } from '../engine/index.js';
import type { JobEvent } from '../src/jobs/index.js';
import type { ReplyText } from './reply.js';

/** Its step and total travel with the finishing line too, for a platform that draws a bar beside it. */
export function progressLine(event: Extract<JobEvent, { type: 'progress' }>): ReplyText {
  const params = { step: event.step, total: event.total };
  return { key: event.phase === 'finishing' ? 'job.finishing' : 'job.running', params };
}

/** A small JPEG (engine's encodePreview): the result, not the preview, is the picture kept. */
export async function previewImage(preview: RgbImage) {
  return { data: await encodePreview(preview), filename: 'preview.jpg', mime: 'image/jpeg' as const };
}
