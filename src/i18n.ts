import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decimalSeconds, durationWords, exactDurationWords } from './i18n-durations.js';

export const SUPPORTED_LOCALES = ['en', 'zh-CN', 'ja', 'ko', 'es', 'fr', 'de', 'pt-BR', 'ru'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const FALLBACK_LOCALE: Locale = 'en';

export type Params = Record<string, string | number>;
export type Catalog = Record<string, string>;
export type Translate = (locale: Locale, key: string, params?: Params) => string;

const localeDir = fileURLToPath(new URL('../locales/', import.meta.url));

/** The parsed `locales/<locale>.json` file. */
export function loadCatalog(locale: Locale): Catalog {
  return JSON.parse(readFileSync(`${localeDir}${locale}.json`, 'utf8')) as Catalog;
}

/**
 * Where each locale is offered on the platforms: Discord's locale codes (for name/description localizations) and
 * Telegram's `language_code` for `setMyCommands` (none: the default list every other language sees).
 */
export const PLATFORM_TAGS: Readonly<Record<Locale, { discord: readonly string[]; telegram?: string }>> = {
  en: { discord: ['en-US', 'en-GB'] },
  'zh-CN': { discord: ['zh-CN'], telegram: 'zh' },
  ja: { discord: ['ja'], telegram: 'ja' },
  ko: { discord: ['ko'], telegram: 'ko' },
  es: { discord: ['es-ES', 'es-419'], telegram: 'es' },
  fr: { discord: ['fr'], telegram: 'fr' },
  de: { discord: ['de'], telegram: 'de' },
  'pt-BR': { discord: ['pt-BR'], telegram: 'pt' },
  ru: { discord: ['ru'], telegram: 'ru' },
};

const catalogs = Object.fromEntries(
  SUPPORTED_LOCALES.map((locale) => [locale, loadCatalog(locale)]),
) as Record<Locale, Catalog>;

export function catalog(locale: Locale): Readonly<Catalog> {
  return catalogs[locale];
}

/** Every catalog, by locale. */
export function allCatalogs(): Readonly<Record<Locale, Readonly<Catalog>>> {
  return catalogs;
}

/** The primary language subtag of a locale or tag: `pt-BR` → pt, `zh-hans` → zh. */
const primaryLanguage = (tag: string) => tag.split('-')[0]?.toLowerCase() ?? '';

/**
 * Maps a platform's language tag (Discord `zh-CN` or `es-419`, Telegram `zh-hans` or `pt-br`, a browser's
 * `zh-TW,zh;q=0.9`) to a supported locale, or undefined when there is none. Lists are tried in order of their q
 * weights. A tag naming a supported locale exactly wins; otherwise its language decides, whatever the region or
 * script: each language has one catalog (every Chinese variant reads zh-CN, which serves traditional-script readers
 * better than English; `pt-PT` reads pt-BR, `es-MX` reads es).
 */
export function matchLocale(tag: string | undefined | null): Locale | undefined {
  if (!tag) return undefined;
  const ranked = tag
    .split(',')
    .map((part, index) => {
      const [lang = '', ...options] = part.split(';').map((s) => s.trim());
      const q = options.find((o) => o.startsWith('q='));
      return {
        lang: lang.toLowerCase().replaceAll('_', '-'),
        weight: q === undefined ? 1 : Number(q.slice(2)) || 0,
        index,
      };
    })
    .filter((r) => r.lang !== '' && r.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { lang } of ranked) {
    const match =
      SUPPORTED_LOCALES.find((locale) => locale.toLowerCase() === lang) ??
      SUPPORTED_LOCALES.find((locale) => primaryLanguage(locale) === primaryLanguage(lang));
    if (match) return match;
  }
  return undefined;
}

/** Placeholder names in a message, e.g. `{count}` → count. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
}

/**
 * A byte count as the language writes sizes: "12,5 Mo", "12.5 MB", "900 кБ", "7,2 GB" (one decimal; kilobytes and
 * megabytes 1024-based, as upload limits are; gigabytes of 10⁹, as DEVICE_MEMORY_GB counts device memory).
 */
export function formatBytes(locale: Locale, bytes: number): string {
  const mb = bytes / (1024 * 1024);
  const [value, unit] =
    bytes >= 1e9
      ? [bytes / 1e9, 'gigabyte']
      : mb >= 1
        ? [mb, 'megabyte']
        : [Math.max(1, Math.round(bytes / 1024)), 'kilobyte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

/** A number of days as the language writes it: "30 days", "30 Tage", "30 дней" (a message puts it where it fits). */
export function formatDays(locale: Locale, days: number): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(days);
}

/**
 * A lookup over the given catalogs. With a numeric `count` param the plural variant `key_zero|_one|_other`
 * is chosen by the locale's plural rules (`_zero` first when it exists); missing keys fall back to English,
 * then to the key itself, so a gap shows up as a readable key and never as a crash. A `{size}` placeholder may be
 * filled by a number `sizeBytes`, written as the language writes sizes (`formatBytes`), and a `{period}` by a
 * number `periodDays` (`formatDays`). A placeholder may be filled by a number of milliseconds named after it with
 * `Ms`: `{seconds}` as a decimal ("13.5", "13,5"; the message holds the unit), `{limit}` in words as configured
 * ("90 seconds"), any other in words, rounded as an ETA ("61 seconds", "3 Minuten"); and by a key named after it
 * with `Key`: that message, with the same params (a failure's reason in the sentence that says it failed). Replies
 * keep such raw values, so a job's text is worded in the language of whoever reads it, not of whoever made it; a
 * param given as a string (as stored before) is shown as it is.
 */
export function createTranslate(source: Readonly<Record<Locale, Readonly<Catalog>>>): Translate {
  const lookup = (locale: Locale, key: string) => source[locale][key] ?? source[FALLBACK_LOCALE][key];
  const msParam = (locale: Locale, name: string, ms: number) => {
    if (name === 'seconds') return decimalSeconds(locale, ms);
    return name === 'limit'
      ? exactDurationWords(translate, locale, ms)
      : durationWords(translate, locale, ms);
  };
  const translate: Translate = (locale, key, params = {}) => {
    let message: string | undefined;
    if (typeof params.count === 'number') {
      const category = new Intl.PluralRules(locale).select(params.count);
      message =
        (params.count === 0 ? lookup(locale, `${key}_zero`) : undefined) ??
        lookup(locale, `${key}_${category}`) ??
        lookup(locale, `${key}_other`);
    }
    message ??= lookup(locale, key) ?? key;
    return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const bytes = params[`${name}Bytes`];
      if (params[name] === undefined && typeof bytes === 'number') return formatBytes(locale, bytes);
      const days = params[`${name}Days`];
      if (params[name] === undefined && typeof days === 'number') return formatDays(locale, days);
      const ms = params[`${name}Ms`];
      if (params[name] === undefined && typeof ms === 'number') return msParam(locale, name, ms);
      const nested = params[`${name}Key`];
      if (params[name] === undefined && typeof nested === 'string') {
        // Without its own key: a message that names its placeholder again cannot recurse for ever.
        const { [`${name}Key`]: _self, ...rest } = params;
        return translate(locale, nested, rest);
      }
      return params[name] === undefined ? whole : String(params[name]);
    });
  };
  return translate;
}

/** The one lookup every adapter uses, over the catalogs in `locales/`. */
export const t: Translate = createTranslate(catalogs);

/** A translator bound to one locale, for code that renders a whole reply. */
export function translator(locale: Locale): (key: string, params?: Params) => string {
  return (key, params) => t(locale, key, params);
}
