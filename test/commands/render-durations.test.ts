// Durations and seconds in replies are worded in the job's language: a stored timeout or too-long refusal keeps
// milliseconds, and the reply says "90 seconds" or "2 Minuten"; "Done in 12,3 s" in German.
import { describe, expect, it } from 'vitest';
import { durationParams, formatSeconds, renderEvent } from '../../commands/render.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const job = (over: Partial<Job>): Job => aJob({ status: 'failed', attempts: 1, ...over });

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
};

describe('durations in replies', () => {
  it('words a timeout in the job’s language, singular and plural, seconds below 90', async () => {
    const reason = async (limitMs: number, locale: string) => {
      const failed = job({ meta: { locale }, error: { key: 'errors.job.timeout', params: { limitMs } } });
      const reply = await renderEvent({ type: 'failed', job: failed }, deps);
      return reply.text[0]?.params?.reason;
    };
    expect(await reason(90_000, 'en')).toBe('Your job took longer than 90 seconds and was stopped.');
    expect(await reason(60_000, 'en')).toBe('Your job took longer than 1 minute and was stopped.');
    expect(await reason(120_000, 'de')).toBe(
      'Dein Auftrag hat länger als 2 Minuten gedauert und wurde beendet.',
    );
    expect(await reason(20_000, 'en')).not.toContain('0 minutes');
  });

  it('reads an error stored in minutes before, and leaves other params alone', () => {
    expect(durationParams('en', { minutes: 2 })).toEqual({ minutes: 2, limit: '2 minutes' });
    expect(durationParams('en', { expectedMs: 150_000, limitMs: 60_000, count: 3 })).toEqual({
      expectedMs: 150_000,
      limitMs: 60_000,
      count: 3,
      expected: '3 minutes',
      limit: '1 minute',
    });
    expect(
      t('en', 'errors.queue.too_long', durationParams('en', { expectedMs: 150_000, limitMs: 60_000 })),
    ).toBe(
      'This would take about 3 minutes, longer than the 1 minute one job may run. Try fewer images (--n), fewer steps or a smaller size.',
    );
  });

  it('writes decimal seconds as the language does', () => {
    expect(formatSeconds('en', 12_345)).toBe('12.3');
    expect(formatSeconds('de', 12_345)).toBe('12,3');
    expect(formatSeconds('fr', 2_000)).toBe('2,0');
  });
});
