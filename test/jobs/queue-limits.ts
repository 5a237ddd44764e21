// The queue limits the job tests run under, roomy enough that only the limit a test is about ever refuses: each test
// names just that one (`queueLimits({ maxTotal: 2 })`).
import type { QueueLimits } from '../../src/jobs/index.js';

export function queueLimits(overrides: Partial<QueueLimits> = {}): QueueLimits {
  return {
    maxPerUser: 10,
    maxRunningPerUser: 1,
    maxPerScope: 100,
    maxTotal: 100,
    jobTimeoutMs: 60_000,
    ...overrides,
  };
}
