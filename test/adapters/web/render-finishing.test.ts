// The playground's picture of a job finishing its image: the line in words, and a bar that moves (no step value)
// where a full, still one looked hung; the tab title's share stays whole.
import { describe, expect, it } from 'vitest';
import { toWebMessage } from '../../../adapters/web/render.js';
import type { Reply } from '../../../commands/reply.js';

const running = (key: string): Reply => ({
  jobId: '0f0f0f0f-1111-4222-8333-444455556661',
  text: [{ key, params: { step: 8, total: 8 } }],
});

describe('toWebMessage of a finishing job', () => {
  it('marks its progress as finishing, whose step bar the page draws moving', () => {
    const message = toWebMessage(running('job.finishing'), 'en');
    expect(message.lines).toEqual(['Finishing the image…']);
    expect(message.progress).toEqual({ step: 8, total: 8, finishing: true });
    expect(toWebMessage(running('job.running'), 'en').progress).toEqual({ step: 8, total: 8 });
    expect(toWebMessage({ ...running('job.finishing'), final: true }, 'en')).not.toHaveProperty('progress');
  });
});
