// A stored job for render tests (and bench/retention.ts's workload: a change here changes that benchmark): a 256²
// imagine on the playground in English, waiting, with what a test changes.
import type { Job } from '../../src/jobs/index.js';

export function aJob(over: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    seq: 1,
    owner: { platform: 'web', userId: 'u1' },
    scope: 'playground',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 256, height: 256 },
    meta: { locale: 'en' },
    priority: 'normal',
    status: 'queued',
    attempts: 0,
    estimatedCost: 1,
    createdAt: 0,
    ...over,
  };
}
