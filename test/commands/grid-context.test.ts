// A grid's details name all its seeds, as its heading does ("seeds 42–45"), not the first alone.
import { describe, expect, it } from 'vitest';
import { resultContext } from '../../commands/job-context.js';
import { t } from '../../src/i18n.js';
import { aJob } from './job-fixture.js';

describe('a grid’s result context', () => {
  it('carries its last seed beside its first; a single image none', () => {
    const candidates = [42, 43, 44, 45].map((seed) => ({ file: `c${seed}.png`, seed }));
    const grid = aJob({
      status: 'done',
      result: { file: 'result.png', seed: 42, width: 512, height: 512, candidates },
    });
    expect(resultContext(grid)).toMatchObject({ seed: 42, lastSeed: 45, images: 4 });
    const single = aJob({ status: 'done', result: { file: 'result.png', seed: 7, width: 256, height: 256 } });
    expect(resultContext(single).lastSeed).toBeUndefined();
    expect(t('en', 'web.context.seeds', { first: 42, last: 45 })).toBe('seeds 42–45');
  });
});
