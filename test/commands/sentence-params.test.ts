// A refusal of a spec's own sentence keeps the params its sentence reads in some language and drops the others
// offered to every refusal (`option`, `flag`, `value`): the placeholders it names, and what the translation formats
// them from (src/i18n.ts `createTranslate`): a number `count` that picks a plural form, a `{size}`'s `sizeBytes`, a
// `{period}`'s `periodDays`.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sentenceReads } from '../../commands/sentence-params.js';
import { checkValue } from '../../commands/validate.js';
import { type Catalog, createTranslate, type Locale, SUPPORTED_LOCALES, t } from '../../src/i18n.js';

describe('what a refusal’s sentence reads', () => {
  it('a plural’s count, though no form prints it, and the number a formatted placeholder is written from', () => {
    const catalogs = [
      {
        'errors.x_one': 'That image is too large ({size}).',
        'errors.x_other': 'Those images are too large, each over {limit}.',
        'errors.y': 'Kept for {period}.',
      },
    ];
    const x = sentenceReads(catalogs, 'errors.x');
    expect(
      [
        'count',
        'size',
        'sizeBytes',
        'limitBytes',
        'limitMs',
        'flag',
        'value',
        'periodDays',
        'valueMs',
      ].filter(x),
    ).toEqual(['count', 'size', 'sizeBytes', 'limitBytes', 'limitMs']);
    const y = sentenceReads(catalogs, 'errors.y');
    expect(['periodDays', 'count', 'sizeBytes', 'Days'].filter(y)).toEqual(['periodDays']);
  });

  it('kept by an own-sentence refusal, so the sentence says the size as the language writes it', () => {
    const schema = z.string().superRefine((_typed, check) =>
      check.addIssue({
        code: 'custom',
        params: { key: 'errors.input.too_large', sizeBytes: 12.5 * 1024 * 1024, limitBytes: 8 * 1024 * 1024 },
      }),
    );
    let refusal: { key: string; params: Record<string, string | number> } | undefined;
    try {
      checkValue(schema, '--file', 'x');
    } catch (error) {
      refusal = error as typeof refusal;
    }
    expect(refusal?.params).toEqual({ sizeBytes: 12.5 * 1024 * 1024, limitBytes: 8 * 1024 * 1024 });
    expect(t('en', refusal?.key ?? '', refusal?.params)).toBe(
      'That file is too large (12.5 MB, limit 8 MB).',
    );
  });

  it('picks the plural form with the count it kept: without it there is no sentence but the key', () => {
    const plural = {
      'errors.x_one': 'One image is too large.',
      'errors.x_other': 'Those images are too large.',
    };
    const source = Object.fromEntries(
      SUPPORTED_LOCALES.map((locale) => [locale, locale === 'en' ? plural : {}]),
    ) as Record<Locale, Catalog>;
    const reads = sentenceReads(Object.values(source), 'errors.x');
    const offered = { count: 3, flag: '--n', value: '“3”' };
    const kept = Object.fromEntries(Object.entries(offered).filter(([name]) => reads(name)));
    expect(kept).toEqual({ count: 3 });
    const translate = createTranslate(source);
    expect(translate('en', 'errors.x', kept)).toBe('Those images are too large.');
    expect(translate('en', 'errors.x', {})).toBe('errors.x');
  });
});
