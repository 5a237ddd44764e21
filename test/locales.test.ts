import { describe, expect, it } from 'vitest';
import { catalog, matchLocale, placeholders, SUPPORTED_LOCALES, t } from '../src/i18n.js';

describe('locales', () => {
  const english = catalog('en');

  it.each(SUPPORTED_LOCALES)('%s has every key with the same placeholders as English', (locale) => {
    const other = catalog(locale);
    expect(Object.keys(other).sort()).toEqual(Object.keys(english).sort());
    for (const [key, message] of Object.entries(english)) {
      expect({ key, placeholders: placeholders(other[key] ?? '') }).toEqual({
        key,
        placeholders: placeholders(message),
      });
      expect(other[key]?.trim().length, key).toBeGreaterThan(0);
    }
  });

  it('has complete plural families', () => {
    const families = new Set(
      Object.keys(english)
        .filter((k) => /_(zero|one|other)$/.test(k))
        .map((k) => k.replace(/_(zero|one|other)$/, '')),
    );
    for (const family of families) expect(english[`${family}_other`], family).toBeDefined();
  });

  it('interpolates and picks plural forms', () => {
    expect(t('en', 'job.queued', { count: 0, eta: '1 min' })).toBe(
      'Queued: you are next, ready in about 1 min.',
    );
    expect(t('en', 'job.queued', { count: 1, eta: '2 min' })).toContain('1 job ahead');
    expect(t('en', 'job.queued', { count: 5, eta: '9 min' })).toContain('5 jobs ahead');
    expect(t('zh-CN', 'job.queued', { count: 5, eta: '9 分钟' })).toContain('前面还有 5 个任务');
  });

  it('falls back to English, then to the key', () => {
    expect(t('zh-CN', 'no.such.key')).toBe('no.such.key');
    expect(t('en', 'errors.prompt_too_long', { length: 5 })).toContain('5 characters, limit {limit}');
  });

  it('matches platform and browser language tags', () => {
    expect(matchLocale('zh-CN')).toBe('zh-CN');
    expect(matchLocale('zh-hans')).toBe('zh-CN');
    expect(matchLocale('zh-TW,zh;q=0.9')).toBe('zh-CN');
    expect(matchLocale('en-US')).toBe('en');
    expect(matchLocale('fr')).toBeUndefined();
    expect(matchLocale(undefined)).toBeUndefined();
  });
});
