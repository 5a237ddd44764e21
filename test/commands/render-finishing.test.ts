// A job whose steps are done while the engine makes the image (seconds, on a CPU): its reply says it is finishing
// the image, where it stayed at "step 8 of 8" and looked hung; still with Cancel, and with no time to count down.
import { describe, expect, it } from 'vitest';
import { renderEvent } from '../../commands/render.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
  countsDownEta: () => true,
};

const running: Job = aJob({ status: 'running' });
const words = (reply: Awaited<ReturnType<typeof renderEvent>>) =>
  reply.text.map((line) => t('en', line.key, line.params ?? {}));

describe('a job finishing its image', () => {
  it('says it is finishing the image once its steps are done, with Cancel and no countdown', async () => {
    const last = await renderEvent({ type: 'progress', job: running, step: 8, total: 8 }, deps);
    expect(words(last)).toEqual(['Working on it: step 8 of 8.']);
    const finishing = await renderEvent(
      { type: 'progress', job: running, step: 8, total: 8, phase: 'finishing' },
      deps,
    );
    expect(words(finishing)).toEqual(['Finishing the image…']);
    expect(finishing.text[0]?.params).toEqual({ step: 8, total: 8 });
    expect(finishing.buttons?.flat().map((b) => b.labelKey)).toEqual(['button.cancel']);
    expect(finishing.etaAt).toBeUndefined();
    expect(finishing.final).toBeFalsy();
  });

  it('says it is stopping instead once its owner asked to cancel', async () => {
    const asked = { ...running, meta: { ...running.meta, cancelRequested: true } };
    const reply = await renderEvent(
      { type: 'progress', job: asked, step: 8, total: 8, phase: 'finishing' },
      deps,
    );
    expect(reply.text).toEqual([{ key: 'cancel.stopping' }]);
  });
});
