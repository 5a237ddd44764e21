// A failed job's stored error key, as it can be rendered now. Rows outlive the catalogs: a key removed since they
// were written fell back to the raw key ("Sorry, your job failed: errors.job.not_stored").
import { catalog, FALLBACK_LOCALE } from '../src/i18n.js';

/** Keys removed from the catalogs that rows of earlier versions still hold, each with the key that says it now. */
export const RETIRED_ERROR_KEYS: Readonly<Record<string, string>> = {
  'errors.job.not_stored': 'errors.job.lost_before_running',
};

/**
 * The key to render for a stored error: a retired one's successor; one no catalog has (English holds every key),
 * the general apology rather than a raw key.
 */
export function storedErrorKey(key: string): string {
  const current = RETIRED_ERROR_KEYS[key] ?? key;
  const english = catalog(FALLBACK_LOCALE);
  // A key with plural forms has only its `_other` (and kin) in the catalog.
  const known = english[current] !== undefined || english[`${current}_other`] !== undefined;
  return known ? current : 'errors.generic';
}
