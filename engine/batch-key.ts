// Which requests can share forward passes (engine-design §4): the same task and shape, so every step samples the
// same number of cells over the same number of guidance branches. The job queue groups waiting jobs by this key.
import type { EngineRequest } from './api.js';
import { TEXT_TO_IMAGE_DEFAULTS } from './tasks/text-to-image.js';

/** A key equal for requests that may run as one batch; undefined for requests that always run alone. */
export function batchKey(request: EngineRequest): string | undefined {
  if (request.task !== 'text_to_image') return undefined;
  // ML-Cache keeps per-sequence caches: those jobs run alone.
  if (request.cache !== undefined && request.cache !== false) return undefined;
  // A request for several images is a batch of its own already.
  if ((request.count ?? 1) > 1) return undefined;
  const steps = request.steps ?? TEXT_TO_IMAGE_DEFAULTS.steps;
  const guided = (request.cfg ?? TEXT_TO_IMAGE_DEFAULTS.cfg) > 0;
  return `text_to_image:${request.width}x${request.height}:${steps}:${guided ? 'cfg' : 'plain'}`;
}
