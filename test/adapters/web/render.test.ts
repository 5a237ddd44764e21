// A reply as the playground receives it: the replies that come with it (a permutation's further jobs) travel along.
import { describe, expect, it } from 'vitest';
import { toWebMessage } from '../../../adapters/web/render.js';
import type { Reply } from '../../../commands/reply.js';

const JOB = (n: number) => `0f0f0f0f-1111-4222-8333-44445555666${n}`;
const queued = (n: number): Reply => ({
  text: [
    { key: 'job.permutation', params: { n, total: 2, prompt: n === 1 ? 'a red bird' : 'a blue bird' } },
    { key: 'job.queued', params: { count: 0, eta: '5 s' } },
  ],
  jobId: JOB(n),
  startsJob: true,
});

describe('toWebMessage', () => {
  it('carries the further replies, each translated as a message of its own', () => {
    const message = toWebMessage({ ...queued(1), more: [queued(2)] }, 'fr');
    expect(message.lines[0]).toBe('1 sur 2 : « a red bird »');
    expect(message.more?.map((m) => [m.jobId, m.lines[0]])).toEqual([[JOB(2), '2 sur 2 : « a blue bird »']]);
    expect(toWebMessage(queued(1), 'en')).not.toHaveProperty('more');
  });
});
