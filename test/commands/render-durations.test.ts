// Durations and seconds in replies are worded in the language of whoever reads them: a job's reply keeps
// milliseconds and its failure's key, and the reply says "90 seconds" or "2 Minuten", "Done in 12,3 s" in German,
// even where the job was made in another language (another browser, a /settings change since).
import { describe, expect, it } from 'vitest';
import { durationParams, formatSeconds, renderEvent } from '../../commands/render.js';
import type { Reply } from '../../commands/reply.js';
import { type Locale, t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { aJob } from './job-fixture.js';

const job = (over: Partial<Job>): Job => aJob({ status: 'failed', attempts: 1, ...over });

const deps = {
  store: { readFile: () => Buffer.alloc(0) },
  defaultLocale: 'en' as const,
  now: () => 0,
};

/** The reply's lines as a reader in `locale` sees them (every adapter renders them so). */
const shown = (reply: Reply, locale: Locale) => reply.text.map((line) => t(locale, line.key, line.params));

describe('durations in replies', () => {
  it('words a timeout in the reader’s language, singular and plural, seconds below 90', async () => {
    const reason = async (limitMs: number, locale: Locale, made: Locale = locale) => {
      const failed = job({
        meta: { locale: made },
        error: { key: 'errors.job.timeout', params: { limitMs } },
      });
      return shown(await renderEvent({ type: 'failed', job: failed }, deps), locale)[0];
    };
    expect(await reason(90_000, 'en')).toBe(
      'Sorry, your job failed: Your job took longer than 90 seconds and was stopped.',
    );
    expect(await reason(60_000, 'en')).toBe(
      'Sorry, your job failed: Your job took longer than 1 minute and was stopped.',
    );
    expect(await reason(120_000, 'de')).toBe(
      'Leider ist dein Auftrag fehlgeschlagen: Dein Auftrag hat länger als 2 Minuten gedauert und wurde beendet.',
    );
    expect(await reason(20_000, 'en')).not.toContain('0 minutes');
    // Made in German, read in English: one language, the reader's, the reason included.
    expect(await reason(90_000, 'en', 'de')).toBe(
      'Sorry, your job failed: Your job took longer than 90 seconds and was stopped.',
    );
    // Stored before in minutes: read as before.
    const old = job({ meta: { locale: 'de' }, error: { key: 'errors.job.timeout', params: { minutes: 2 } } });
    expect(shown(await renderEvent({ type: 'failed', job: old }, deps), 'en')).toEqual([
      'Sorry, your job failed: Your job took longer than 2 minutes and was stopped.',
    ]);
  });

  it('writes a finished job’s seconds as the reader’s language does, in the reader’s sentence', async () => {
    const done = aJob({
      status: 'done',
      meta: { locale: 'de' },
      measuredMs: 13_500,
      result: { seed: 42, width: 256, height: 256 },
    });
    const reply = await renderEvent({ type: 'done', job: done }, deps);
    expect(shown(reply, 'en')).toEqual(['Done in 13.5 s (seed 42).']);
    expect(shown(reply, 'de')).toEqual([t('de', 'job.done', { seconds: '13,5', seed: 42 })]);
    expect(shown(reply, 'de')[0]).toContain('13,5 s');
    expect(shown(reply, 'ja')[0]).toContain('13.5');
    expect(shown(reply, 'ja')[0]).not.toContain('13,5');
  });

  it('a finished job stored without its measured time, whose clock stepped back meanwhile, took 0.0 s, not less', async () => {
    const done = aJob({
      status: 'done',
      startedAt: 1_700_000_010_000,
      finishedAt: 1_700_000_004_000,
      result: { seed: 7, width: 256, height: 256 },
    });
    const reply = await renderEvent({ type: 'done', job: done }, deps);
    expect(shown(reply, 'en')).toEqual(['Done in 0.0 s (seed 7).']);
  });

  it('words a waiting or running job’s ETA in the reader’s language', async () => {
    const made = aJob({ meta: { locale: 'en' } });
    const queued = await renderEvent({ type: 'queued', job: made, ahead: 0, etaMs: 0, endMs: 61_000 }, deps);
    expect(shown(queued, 'en')).toEqual(['Queued: starting now, ready in about 61 seconds.']);
    expect(shown(queued, 'de')[0]).toContain('61 Sekunden');
    expect(shown(queued, 'de')[0]).not.toContain('seconds');
    const started = await renderEvent({ type: 'started', job: made, etaMs: 180_000 }, deps);
    expect(shown(started, 'en')).toEqual(['Started: ready in about 3 minutes.']);
    expect(shown(started, 'de')[0]).toContain('3 Minuten');
    expect(shown(started, 'ja')[0]).not.toContain('minutes');
  });

  it('shows a param given as a string as it is (a reply stored before), and fills none that is missing', () => {
    expect(t('en', 'job.done', { seconds: '0,3', seed: 7 })).toBe('Done in 0,3 s (seed 7).');
    expect(t('en', 'job.queued', { count: 0, eta: '61 seconds' })).toBe(
      'Queued: starting now, ready in about 61 seconds.',
    );
    expect(t('en', 'job.failed', { reason: 'It broke.' })).toBe('Sorry, your job failed: It broke.');
    // A string wins over the raw value beside it; a placeholder given neither stays readable as a gap.
    expect(t('en', 'job.started', { eta: '5 s', etaMs: 60_000 })).toBe('Started: ready in about 5 s.');
    expect(t('en', 'job.started', {})).toBe('Started: ready in about {eta}.');
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
