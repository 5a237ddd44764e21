// Which of the params offered to a refusal its sentence needs, in some language. `createTranslate` (src/i18n.ts)
// reads more than the placeholders a sentence names: a number `count` picks its plural form (`key_one`,
// `key_other`), which need not print it, and a `{size}` or `{period}` is written from a number `sizeBytes` or
// `periodDays` as the language writes sizes and days (a `{limit}` from `limitMs` as a duration, a `{reason}` from
// the message `reasonKey`). A param it reads is kept; one none reads is dropped.
import { type Catalog, placeholders } from '../src/i18n.js';

const PLURAL_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
/** A param a `{stem}` placeholder is formatted from, and its stem. */
const FORMATTED = /^(\w+?)(?:Bytes|Days|Ms|Key)$/;

/** Whether the sentence of `key` (any of its plural forms, in any catalog) reads a param of that name. */
export function sentenceReads(
  catalogs: readonly Readonly<Catalog>[],
  key: string,
): (param: string) => boolean {
  const names = new Set<string>();
  let plural = false;
  for (const catalog of catalogs) {
    for (const form of [key, ...PLURAL_FORMS.map((f) => `${key}_${f}`)]) {
      const message = catalog[form];
      if (message === undefined) continue;
      plural ||= form !== key;
      for (const name of placeholders(message)) names.add(name);
    }
  }
  return (param) => {
    const stem = FORMATTED.exec(param)?.[1];
    return names.has(param) || (param === 'count' && plural) || (stem !== undefined && names.has(stem));
  };
}
