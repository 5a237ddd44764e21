import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const FALLBACK_LOCALE: Locale = 'en';

export type Params = Record<string, string | number>;
type Catalog = Record<string, string>;

const localeDir = fileURLToPath(new URL('../locales/', import.meta.url));

function loadCatalog(locale: Locale): Catalog {
  return JSON.parse(readFileSync(`${localeDir}${locale}.json`, 'utf8')) as Catalog;
}

const catalogs: Record<Locale, Catalog> = { en: loadCatalog('en'), 'zh-CN': loadCatalog('zh-CN') };

export function catalog(locale: Locale): Readonly<Catalog> {
  return catalogs[locale];
}

/**
 * Maps a platform's language tag (Discord `zh-CN`, Telegram `zh-hans`, a browser's `zh-TW,zh;q=0.9`) to a
 * supported locale, or undefined when there is none.
 */
export function matchLocale(tag: string | undefined | null): Locale | undefined {
  if (!tag) return undefined;
  for (const part of tag.split(',')) {
    const lang = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (lang === '') continue;
    if (lang.startsWith('zh')) return 'zh-CN';
    if (lang.startsWith('en')) return 'en';
  }
  return undefined;
}

/** Placeholder names in a message, e.g. `{count}` → count. */
export function placeholders(message: string): string[] {
  return [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
}

function lookup(locale: Locale, key: string): string | undefined {
  return catalogs[locale][key] ?? catalogs[FALLBACK_LOCALE][key];
}

/**
 * The one lookup every adapter uses. With a numeric `count` param the plural variant `key_zero|_one|_other`
 * is chosen by the locale's plural rules; missing keys fall back to English, then to the key itself.
 */
export function t(locale: Locale, key: string, params: Params = {}): string {
  let message: string | undefined;
  if (typeof params.count === 'number') {
    const category = params.count === 0 ? 'zero' : new Intl.PluralRules(locale).select(params.count);
    message = lookup(locale, `${key}_${category}`) ?? lookup(locale, `${key}_other`);
  }
  message ??= lookup(locale, key) ?? key;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

/** A translator bound to one locale, for code that renders a whole reply. */
export function translator(locale: Locale): (key: string, params?: Params) => string {
  return (key, params) => t(locale, key, params);
}
