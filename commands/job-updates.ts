// Job events rendered as neutral replies for the adapters, in event order per job.
import type { Job } from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import { renderEvent } from './render.js';
import type { Reply } from './reply.js';

/**
 * Rendered job updates (position, started, progress, done, failed, cancelled); `queued` is left out (the
 * submitting call returns that reply). Rendering is chained per job, so a preview still being encoded never
 * lands after the final result.
 */
export function subscribeRendered(
  deps: Pick<CommandDeps, 'queue' | 'render' | 'log'>,
  listener: (update: { job: Job; reply: Reply }) => void,
): () => void {
  const chains = new Map<string, Promise<void>>();
  return deps.queue.subscribe((event) => {
    if (event.type === 'queued') return;
    const { job } = event;
    const previous = chains.get(job.id) ?? Promise.resolve();
    const next = previous
      .then(() => renderEvent(event, deps.render))
      .then(
        (reply) => {
          listener({ job, reply });
          if (reply.final && chains.get(job.id) === next) chains.delete(job.id);
        },
        (error) => deps.log?.('error', 'rendering a job event failed', { error: String(error) }),
      );
    chains.set(job.id, next);
  });
}
