import { describe, expect, it } from 'vitest';
import {
  type Catalog,
  catalog,
  createTranslate,
  type Locale,
  loadCatalog,
  matchLocale,
  placeholders,
  SUPPORTED_LOCALES,
  t,
} from '../src/i18n.js';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
const files = SUPPORTED_LOCALES.map((locale) => [locale, loadCatalog(locale)] as const);
const english = loadCatalog('en');

describe('locale files', () => {
  it.each(files)('%s has exactly the keys of en, each with the same placeholders', (_locale, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
    for (const [key, message] of Object.entries(messages)) {
      expect(placeholders(message), key).toEqual(placeholders(english[key] ?? ''));
    }
  });

  it.each(files)('%s has no empty messages and no unbalanced braces', (_locale, messages) => {
    for (const [key, message] of Object.entries(messages)) {
      expect(message.trim(), key).not.toBe('');
      expect(message.replace(/\{\w+\}/g, ''), key).not.toMatch(/[{}]/);
    }
  });

  it.each(files)(
    '%s: every plural family has _other and each category its plural rules use',
    (locale, messages) => {
      const families = new Set(
        Object.keys(messages).flatMap((k) => (PLURAL_SUFFIX.test(k) ? [k.replace(PLURAL_SUFFIX, '')] : [])),
      );
      expect(families.size).toBeGreaterThan(0);
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
      for (const family of families) {
        for (const category of new Set(['other', ...categories])) {
          expect(messages, `${family}_${category}`).toHaveProperty([`${family}_${category}`]);
        }
        // A plural family is looked up with {count}, so a plain key of the same name would never be used.
        expect(messages, family).not.toHaveProperty([family]);
      }
    },
  );

  it.each(files)('%s: command names and descriptions fit Discord and Telegram', (_locale, messages) => {
    const names = Object.entries(messages).filter(([k]) => /^command\.[^.]+\.name$/.test(k));
    expect(names.length).toBeGreaterThan(0);
    for (const [key, name] of names) {
      // Discord's name rule (lower case) and Telegram's BotCommand rule.
      expect(name, key).toMatch(/^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u);
      const description = messages[key.replace(/\.name$/, '.description')];
      expect(description, `${key} needs a description`).toBeDefined();
      expect(description?.length, key).toBeLessThanOrEqual(100);
    }
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
      '已排队：前面还有 5 个任务，预计 9 分钟 后完成。',
    );
  });

  it('falls back to English for a key a locale lacks, then to the key itself', () => {
    const zh: Catalog = { ...catalog('zh-CN') };
    delete zh['errors.generic'];
    const translate = createTranslate({ en: catalog('en'), 'zh-CN': zh });
    expect(translate('zh-CN', 'errors.generic')).toBe('Something went wrong. Please try again.');
    expect(translate('zh-CN', 'job.cancelled')).toBe('已取消。');
    expect(translate('zh-CN', 'no.such.key')).toBe('no.such.key');
  });

  it('falls back per plural variant too', () => {
    const translate = createTranslate({
      en: { 'n.items_one': '{count} item', 'n.items_other': '{count} items' },
      'zh-CN': {},
    });
    expect(translate('zh-CN', 'n.items', { count: 3 })).toBe('3 items');
    expect(translate('en', 'n.items', { count: 1 })).toBe('1 item');
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
    ['fr', undefined],
    ['fr-FR,fr;q=0.9,en;q=0.8', 'en'],
    ['en;q=0.5,zh-CN;q=0.9', 'zh-CN'],
    ['de,en;q=0', undefined],
    ['zu', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  it.each(cases)('%s → %s', (tag, expected) => {
    expect(matchLocale(tag)).toBe(expected);
  });
});
