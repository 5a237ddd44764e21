import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../commands/render.js';
import {
  allCatalogs,
  type Catalog,
  catalog,
  createTranslate,
  type Locale,
  loadCatalog,
  matchLocale,
  PLATFORM_TAGS,
  placeholders,
  SUPPORTED_LOCALES,
  t,
} from '../src/i18n.js';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const files = SUPPORTED_LOCALES.map((locale) => [locale, loadCatalog(locale)] as const);
const translated = files.filter(([locale]) => locale !== 'en');
const english = loadCatalog('en');
const pluralCategories = (locale: Locale) => new Intl.PluralRules(locale).resolvedOptions().pluralCategories;

/** en's plural families (`job.queued` for `job.queued_one` …), each with whether en has a `_zero` variant. */
const englishFamilies = new Map<string, { zero: boolean }>();
for (const key of Object.keys(english)) {
  const match = PLURAL_SUFFIX.exec(key);
  if (!match) continue;
  const family = key.slice(0, match.index);
  const entry = englishFamilies.get(family) ?? { zero: false };
  if (match[1] === 'zero') entry.zero = true;
  englishFamilies.set(family, entry);
}

/**
 * The keys a locale's file must have: en's plain keys, and for each of en's plural families `_other`, every
 * category the locale's plural rules use, and `_zero` where en has one (it is chosen for 0 in every language, so
 * a gap would fall back to English). A category the rules never select would be dead text, so it is left out.
 */
function expectedKeys(locale: Locale): string[] {
  const keys = Object.keys(english).filter((key) => !PLURAL_SUFFIX.test(key));
  for (const [family, { zero }] of englishFamilies) {
    const categories = new Set<string>(['other', ...pluralCategories(locale)]);
    if (zero) categories.add('zero');
    for (const category of categories) keys.push(`${family}_${category}`);
  }
  return keys.sort();
}

/** en's message a key corresponds to: the same key, or its family's `_other` for a category en lacks. */
const englishFor = (key: string): string =>
  english[key] ?? english[key.replace(PLURAL_SUFFIX, '_other')] ?? `(no English for ${key})`;

/** What the user types literally and a translation must keep: commands (`/imagine`) and flags (`--ar`). */
const literals = (message: string) =>
  [...new Set(message.match(/(?<![\w/])\/[a-z]+\b|--[a-z][-a-z]*/g) ?? [])].sort();

describe('locale files', () => {
  it('the folder holds a file for each supported locale and nothing else', () => {
    const folder = readdirSync(fileURLToPath(new URL('../locales/', import.meta.url)));
    expect(folder.sort()).toEqual(SUPPORTED_LOCALES.map((locale) => `${locale}.json`).sort());
    expect(new Set(SUPPORTED_LOCALES).size).toBe(SUPPORTED_LOCALES.length);
  });

  it('en has plural families (with _one and _other) for the other checks to work on', () => {
    expect(englishFamilies.size).toBeGreaterThan(0);
    for (const family of englishFamilies.keys()) {
      expect(english, family).toHaveProperty([`${family}_one`]);
      expect(english, family).toHaveProperty([`${family}_other`]);
    }
  });

  it.each(files)('%s has the keys of en, with the plural variants its language needs', (locale, messages) => {
    expect(Object.keys(messages).sort()).toEqual(expectedKeys(locale));
    for (const family of englishFamilies.keys()) {
      // A plural family is looked up with {count}, so a plain key of the same name would never be used.
      expect(messages, family).not.toHaveProperty([family]);
    }
  });

  it.each(files)('%s keeps each placeholder, command and flag of en', (_locale, messages) => {
    for (const [key, message] of Object.entries(messages)) {
      expect(placeholders(message), key).toEqual(placeholders(englishFor(key)));
      expect(literals(message), key).toEqual(literals(englishFor(key)));
    }
  });

  it.each(files)('%s has no empty or broken messages', (_locale, messages) => {
    for (const [key, message] of Object.entries(messages)) {
      expect(typeof message, key).toBe('string');
      expect(message.trim(), key).not.toBe('');
      expect(message, key).toBe(message.trim());
      expect(message, key).not.toMatch(/\uFFFD/);
      // Besides placeholders, only a permutation example's options (`a {red, blue} bird`) may show braces.
      const literal = message.replace(/\{\w+\}/g, '').replace(/\{[^{}]*,[^{}]*\}/g, '');
      expect(literal, key).not.toMatch(/[{}]/);
    }
  });

  it.each(translated)('%s is translated, not a copy of en', (_locale, messages) => {
    const keys = Object.keys(english).filter((key) => !/^command\.[^.]+\.name$/.test(key));
    const same = keys.filter((key) => messages[key] === english[key]);
    expect(same.length, same.join(', ')).toBeLessThanOrEqual(keys.length * 0.1);
  });

  it.each(files)('%s: command names and descriptions fit Discord and Telegram', (_locale, messages) => {
    const names = Object.entries(messages).filter(([k]) => /^command\.[^.]+\.name$/.test(k));
    expect(names.length).toBeGreaterThan(0);
    for (const [key, name] of names) {
      // Discord's name rule (lower case) and Telegram's BotCommand rule; help texts everywhere name the English
      // commands, and Telegram's cannot be localized, so the names stay en's.
      expect(name, key).toMatch(/^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u);
      expect(name, key).toBe(english[key]);
      expect(messages, `${key} needs a description`).toHaveProperty([key.replace(/\.name$/, '.description')]);
    }
    for (const [key, message] of Object.entries(messages)) {
      // Discord: command and option descriptions 1–100; Telegram: command descriptions 3–256.
      if (/^command\.[^.]+\.description$/.test(key)) expect(message.length, key).toBeGreaterThanOrEqual(3);
      if (/^command\..+\.description$/.test(key)) expect(message.length, key).toBeLessThanOrEqual(100);
      // Discord: choice names 100, message-menu names 32, button labels 80, modal titles and labels 45,
      // select placeholders 150.
      if (/^choice\./.test(key) || key === 'meta.language_name') {
        expect(message.length, key).toBeLessThanOrEqual(100);
      }
      if (/^menu\.[^.]+\.name$/.test(key)) expect(message.length, key).toBeLessThanOrEqual(32);
      if (/^button\./.test(key)) expect(message.length, key).toBeLessThanOrEqual(80);
      if (/^discord\.[^.]+_modal\./.test(key)) expect(message.length, key).toBeLessThanOrEqual(45);
      if (key === 'discord.pick_placeholder') expect(message.length, key).toBeLessThanOrEqual(150);
    }
  });

  it('names each language in itself, once', () => {
    const names = SUPPORTED_LOCALES.map((locale) => catalog(locale)['meta.language_name']);
    expect(new Set(names).size).toBe(SUPPORTED_LOCALES.length);
    for (const locale of SUPPORTED_LOCALES) {
      // zh-CN names its script (简体中文) rather than the region CLDR gives (中文（中国）).
      if (locale === 'zh-CN') continue;
      const own = new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? '';
      expect(names[SUPPORTED_LOCALES.indexOf(locale)]?.toLocaleLowerCase(locale), locale).toBe(
        own.toLocaleLowerCase(locale),
      );
    }
    expect(catalog('pt-BR')['meta.language_name']).toBe('Português (Brasil)');
  });
});

describe('t', () => {
  it('interpolates every placeholder and leaves unknown ones visible', () => {
    expect(t('en', 'errors.prompt_too_long', { length: 900, limit: 500 })).toBe(
      'Your prompt is too long (900 characters, limit 500).',
    );
    expect(t('zh-CN', 'errors.prompt_too_long', { length: 900, limit: 500 })).toBe(
      '提示词太长（900 个字符，上限 500）。',
    );
    expect(t('en', 'errors.prompt_too_long', { length: 900 })).toBe(
      'Your prompt is too long (900 characters, limit {limit}).',
    );
  });

  it('chooses plural variants by count', () => {
    expect(t('en', 'job.queued', { count: 0, eta: '1 min' })).toBe(
      'Queued: starting now, ready in about 1 min.',
    );
    expect(t('en', 'job.queued', { count: 1, eta: '2 min' })).toBe(
      'Queued: you are next (1 job ahead of yours), ready in about 2 min.',
    );
    expect(t('en', 'job.queued', { count: 5, eta: '9 min' })).toBe(
      'Queued: 5 jobs ahead of yours, ready in about 9 min.',
    );
    expect(t('zh-CN', 'job.queued', { count: 5, eta: '9 分钟' })).toBe(
      '已排队：前面还有 5 个任务，预计 9 分钟后完成。',
    );
    // A size given in bytes is written as each language writes sizes (decimal comma, Mo, МБ).
    const size = { sizeBytes: 12.5 * 1024 * 1024, limitBytes: 10 * 1024 * 1024 };
    expect(t('en', 'errors.input.too_large', size)).toBe('That file is too large (12.5 MB, limit 10 MB).');
    expect(t('fr', 'errors.input.too_large', size)).toMatch(/12,5\sMo/);
    expect(t('ru', 'errors.input.too_large', size)).toMatch(/12,5\sМБ/);
    expect(t('en', 'result.too_large', { limitBytes: 900 * 1024 })).toContain('900 kB');
    // Device memory in gigabytes of 10⁹, as DEVICE_MEMORY_GB counts them.
    const memory = { needBytes: 7.2e9, budgetBytes: 24e9 };
    expect(t('en', 'errors.engine.device_memory', memory)).toContain(
      'about 7.2 GB of model memory, more than the 24 GB',
    );
    expect(t('fr', 'errors.engine.device_memory', memory)).toMatch(/7,2\sGo/);
    // CLDR counts 0 as singular in Portuguese; Brazilian usage says "0 segundos" (/info before any job).
    expect(t('pt-BR', 'time.duration.seconds', { count: 0 })).toBe('0 segundos');
    expect(t('pt-BR', 'time.duration.seconds', { count: 1 })).toBe('1 segundo');
  });

  it('uses the Russian one/few/many forms and the single Japanese form', () => {
    expect(t('ru', 'time.in.seconds', { count: 1 })).toBe('через 1 секунду');
    expect(t('ru', 'time.in.seconds', { count: 3 })).toBe('через 3 секунды');
    expect(t('ru', 'time.in.seconds', { count: 5 })).toBe('через 5 секунд');
    expect(t('ru', 'time.in.seconds', { count: 21 })).toBe('через 21 секунду');
    expect(t('ja', 'time.in.minutes', { count: 1 })).toBe(
      t('ja', 'time.in.minutes', { count: 2 }).replace('2', '1'),
    );
    expect(t('de', 'time.duration.minutes', { count: 1 })).toBe('1 Minute');
    expect(t('de', 'time.duration.minutes', { count: 2 })).toBe('2 Minuten');
    expect(t('ru', 'time.duration.hours', { count: 5 })).toBe('5 часов');
    expect(t('ru', 'time.in.hours', { count: 2 })).toBe('через 2 часа');
  });

  it('says durations in seconds below 90 s, minutes below 90 min, then hours', () => {
    expect(formatDuration('en', 89_000)).toBe('89 seconds');
    expect(formatDuration('en', 95_000)).toBe('2 minutes');
    expect(formatDuration('en', 89 * 60_000)).toBe('89 minutes');
    expect(formatDuration('en', 95 * 60_000)).toBe('2 hours');
    expect(formatDuration('de', 30 * 3_600_000)).toBe('30 Stunden');
    expect(formatDuration('en', 3 * 3_600_000, 'time.in')).toBe('in 3 hours');
  });

  it.each(translated)('%s answers every count of every plural family from its own catalog', (locale) => {
    // English marked, so that a variant falling back to it shows.
    const marked = Object.fromEntries(
      Object.entries(english).map(([key, message]) => [key, `EN ${message}`]),
    );
    const translate = createTranslate({ ...allCatalogs(), en: marked });
    for (const family of englishFamilies.keys()) {
      for (const count of [0, 1, 2, 3, 5, 11, 21, 22, 25, 101, 1.5, 1_000_000]) {
        const message = translate(locale, family, { count, eta: 'ETA' });
        expect(message, `${family} ${count}`).not.toMatch(/^EN /);
        if (count !== 0 || !englishFamilies.get(family)?.zero) {
          expect(message, `${family} ${count}`).toContain(String(count));
        }
      }
    }
  });

  it('falls back to English for a key a locale lacks, then to the key itself', () => {
    const zh: Catalog = { ...catalog('zh-CN') };
    delete zh['errors.generic'];
    const translate = createTranslate({ ...allCatalogs(), 'zh-CN': zh });
    expect(translate('zh-CN', 'errors.generic')).toBe('Something went wrong. Please try again.');
    expect(translate('zh-CN', 'job.cancelled')).toBe('已取消。');
    expect(translate('zh-CN', 'no.such.key')).toBe('no.such.key');
  });

  it('falls back per plural variant too', () => {
    const empty = Object.fromEntries(SUPPORTED_LOCALES.map((locale) => [locale, {}])) as Record<
      Locale,
      Catalog
    >;
    const translate = createTranslate({
      ...empty,
      en: { 'n.items_one': '{count} item', 'n.items_other': '{count} items' },
      ru: { 'n.items_one': '{count} штука', 'n.items_other': '{count} штуки' },
    });
    expect(translate('zh-CN', 'n.items', { count: 3 })).toBe('3 items');
    expect(translate('en', 'n.items', { count: 1 })).toBe('1 item');
    // ru's "many" variant is missing: its own _other comes before English.
    expect(translate('ru', 'n.items', { count: 5 })).toBe('5 штуки');
  });
});

describe('matchLocale', () => {
  const cases: Array<[string | undefined, Locale | undefined]> = [
    ['zh-CN', 'zh-CN'],
    ['zh-hans', 'zh-CN'],
    ['zh-TW,zh;q=0.9', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['en-US', 'en'],
    ['en-GB', 'en'],
    ['ja', 'ja'],
    ['ja-JP', 'ja'],
    ['ko', 'ko'],
    ['ko-KR,ko;q=0.9,en-US;q=0.8', 'ko'],
    ['es', 'es'],
    ['es-ES', 'es'],
    ['es-419', 'es'],
    ['es-MX,es;q=0.9', 'es'],
    ['fr', 'fr'],
    ['fr-FR,fr;q=0.9,en;q=0.8', 'fr'],
    ['fr-CA', 'fr'],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['de-CH,en;q=0.5', 'de'],
    ['pt', 'pt-BR'],
    ['pt-BR', 'pt-BR'],
    ['pt-br', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['pt_BR', 'pt-BR'],
    ['ru', 'ru'],
    ['ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7', 'ru'],
    ['en;q=0.5,zh-CN;q=0.9', 'zh-CN'],
    ['de,en;q=0', 'de'],
    ['it,en;q=0.5', 'en'],
    ['nl-NL,it;q=0.9,ru;q=0.1', 'ru'],
    ['uk,ru;q=0', undefined],
    ['it', undefined],
    ['zu', undefined],
    ['*', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  it.each(cases)('%s → %s', (tag, expected) => {
    expect(matchLocale(tag)).toBe(expected);
  });
});

describe('PLATFORM_TAGS', () => {
  // https://discord.com/developers/docs/reference#locales
  const DISCORD_LOCALES = new Set(
    'id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg ru uk hi th zh-CN ja zh-TW ko'.split(
      ' ',
    ),
  );

  it('gives every supported locale valid Discord codes, each used once, that map back to it', () => {
    const seen = new Set<string>();
    for (const locale of SUPPORTED_LOCALES) {
      const { discord } = PLATFORM_TAGS[locale];
      expect(discord.length, locale).toBeGreaterThan(0);
      for (const code of discord) {
        expect(DISCORD_LOCALES.has(code), code).toBe(true);
        expect(seen.has(code), code).toBe(false);
        seen.add(code);
        expect(matchLocale(code), code).toBe(locale);
      }
    }
  });

  it('gives Telegram ISO 639-1 codes, each used once, that map back to their locale; English is the default', () => {
    const codes = SUPPORTED_LOCALES.flatMap((locale) => {
      const code = PLATFORM_TAGS[locale].telegram;
      return code === undefined ? [] : [[locale, code] as const];
    });
    expect(PLATFORM_TAGS.en.telegram).toBeUndefined();
    expect(codes.length).toBe(SUPPORTED_LOCALES.length - 1);
    expect(new Set(codes.map(([, code]) => code)).size).toBe(codes.length);
    for (const [locale, code] of codes) {
      expect(code).toMatch(/^[a-z]{2}$/);
      expect(matchLocale(code), code).toBe(locale);
    }
  });
});

describe('playground page', () => {
  const folder = fileURLToPath(new URL('../adapters/web/public/', import.meta.url));
  const read = (file: string) => readFileSync(`${folder}${file}`, 'utf8');
  const scripts = readdirSync(folder).filter((file) => file.endsWith('.js'));

  /**
   * The keys a script looks up in the strings /api/info sends: `tr('web.…'`, and a key-shaped literal of the
   * namespaces those strings come from (`strings['web.eta']`, image-limits.js's `'errors.engine.image_aspect'`),
   * outside comments. A CSS selector (`'button.undo'`, `'li.bot'`) is of no such namespace.
   */
  const keysOf = (file: string) => {
    const code = read(file)
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line))
      .join('\n');
    const called = [...code.matchAll(/\btr\(\s*(['"`])([^'"`]+)\1/g)].map((m) => m[2] as string);
    const named = [...code.matchAll(/(['"`])((?:web|time|errors)(?:\.[\w-]+)+)\1/g)].map(
      (m) => m[2] as string,
    );
    return [...new Set([...called, ...named])];
  };

  it('names only catalog keys the server sends it (web.*, time.duration.*, image and line refusals), in every script and in the page', () => {
    expect(scripts).toEqual(
      expect.arrayContaining(['app.js', 'connection.js', 'image-limits.js', 'user-line.js']),
    );
    const script = scripts.flatMap((file) => keysOf(file).map((key) => ({ file, key })));
    const page = [...read('index.html').matchAll(/data-i18n(?:-[a-z-]+)?="([^"]+)"/g)].map((m) => ({
      file: 'index.html',
      key: m[1] as string,
    }));
    // Each module's own lookups are read, not app.js's alone.
    expect(script.filter(({ file }) => file !== 'app.js').length).toBeGreaterThan(10);
    expect(page.length).toBeGreaterThan(0);
    // A duration word is built from its unit and plural (countdown.js): its family's prefix is named.
    const families = new Set(['time.duration']);
    for (const { file, key } of [...script, ...page]) {
      if (families.has(key)) continue;
      expect(key, file).toMatch(
        /^(web\.|time\.duration\.|errors\.(input\.too_large|engine\.image_|line_too_long$))/,
      );
      expect(english, `${file}: ${key}`).toHaveProperty([key]);
    }
  });

  it('has no untranslated aria-label in the page', () => {
    for (const [tag] of read('index.html').matchAll(/<[^>]*\baria-label="[^"]*"[^>]*>/g)) {
      expect(tag).toMatch(/data-i18n-aria-label="/);
    }
  });
});
