// Durations as a language writes them, for `t()`'s `…Ms` params and for code that words one itself. Kept apart from
// the catalogs' lookup: the words come through a `Translate`, so `i18n.ts` fills a placeholder with the very
// translator that renders the sentence around it.
import type { Locale, Translate } from './i18n.js';

export type DurationWording = 'time.duration' | 'time.in';

/** "12 seconds" / "3 minutes" / "2 hours" (or "in 3 hours"), rounded as an ETA is. */
export function durationWords(
  translate: Translate,
  locale: Locale,
  ms: number,
  key: DurationWording = 'time.duration',
): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 90) return translate(locale, `${key}.seconds`, { count: seconds });
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return translate(locale, `${key}.minutes`, { count: minutes });
  return translate(locale, `${key}.hours`, { count: Math.round(minutes / 60) });
}

/** A configured limit as set, not rounded as an ETA is: 90 s stays "90 seconds", 60 s is "1 minute". */
export function exactDurationWords(translate: Translate, locale: Locale, ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds % 3600 === 0) return translate(locale, 'time.duration.hours', { count: seconds / 3600 });
  if (seconds % 60 === 0) return translate(locale, 'time.duration.minutes', { count: seconds / 60 });
  return translate(locale, 'time.duration.seconds', { count: seconds });
}

/** "12.3" or "12,3": seconds with one decimal, as the language writes it (the message holds the unit). */
export function decimalSeconds(locale: Locale, ms: number): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
    ms / 1000,
  );
}
