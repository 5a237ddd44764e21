// A failed job's row outlives the catalogs: the key it stored may since have been removed (errors.job.not_stored,
// replaced by errors.job.lost_before_running), or never be known to this version. Neither shows as a raw key.
import { describe, expect, it } from 'vitest';
import { failureReason, renderEvent } from '../../commands/render.js';
import { type Locale, t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const failed = (key: string): Job => aJob({ status: 'failed', attempts: 1, error: { key, params: {} } });

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
};

const line = async (job: Job, locale: Locale) => {
  const reply = await renderEvent({ type: 'failed', job }, deps);
  return reply.text.map((l) => t(locale, l.key, l.params))[0];
};

describe('a stored error key no catalog has any more', () => {
  it('renders a retired key (rows of earlier versions) as the key that replaced it', async () => {
    const old = failed('errors.job.not_stored');
    const now = t('en', 'errors.job.lost_before_running');
    expect(await line(old, 'en')).toBe(`Sorry, your job failed: ${now}`);
    expect(failureReason(old, 'en')).toBe(now);
    expect(failureReason(old, 'de')).toBe(t('de', 'errors.job.lost_before_running'));
  });

  it('renders a key unknown to every catalog as the general apology, never the raw key', async () => {
    const unknown = failed('errors.job.from_a_later_version');
    expect(await line(unknown, 'en')).toBe(`Sorry, your job failed: ${t('en', 'errors.generic')}`);
    expect(failureReason(unknown, 'ja')).toBe(t('ja', 'errors.generic'));
  });

  it('keeps a key the catalogs have, plural ones too', async () => {
    expect(failureReason(failed('errors.job.timeout'), 'en')).toBe(t('en', 'errors.job.timeout'));
  });
});
