// The one job the queue tests submit when its request does not matter: a small text-to-image on the playground.
import type { JobQueue } from '../../src/jobs/queue.js';
import type { Owner } from '../../src/jobs/types.js';

/** Submits the job for `owner` and returns its id; a refusal fails the test with its key. */
export function submitFox(queue: Pick<JobQueue, 'submit'>, owner: Owner): string {
  const submitted = queue.submit({
    owner,
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
  });
  if (!submitted.ok) throw new Error(submitted.refusal.key);
  return submitted.job.id;
}
