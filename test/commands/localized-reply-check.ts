// What every answer to a typed line must be, whatever was typed: lines of the catalogs with every placeholder filled,
// numbers as people read them, and quotes of the user's words that cannot break the sentence around them. Returns
// what is wrong with a reply, in words, for a fuzz test to report with the line that caused it.
import type { Reply, ReplyText } from '../../commands/reply.js';
import { allCatalogs, placeholders, SUPPORTED_LOCALES, t } from '../../src/i18n.js';

const catalogs = allCatalogs();
const PLURAL_FORMS = ['zero', 'one', 'two', 'few', 'many', 'other'];

/** Params that carry the user's own content (a prompt line, a negative prompt) or our own lists, not a quote. */
const CONTENT_PARAMS = new Set(['prompt', 'no', 'choices', 'text']);
/** Params that name something: never empty. */
const NAMING_PARAMS = new Set(['option', 'flag', 'name', 'a', 'b', 'type', 'command']);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for.
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/;
/** What a value turned to text by mistake reads as. */
const NOT_TEXT = /undefined|NaN|Infinity|\[object Object\]|\d[eE][+-]\d/;

function templates(key: string): Array<[string, string]> {
  return SUPPORTED_LOCALES.flatMap((locale): Array<[string, string]> => {
    const catalog = catalogs[locale];
    const forms = [key, ...PLURAL_FORMS.map((form) => `${key}_${form}`)].filter(
      (k) => catalog[k] !== undefined,
    );
    return forms.map((k) => [locale, catalog[k] as string]);
  });
}

function problemsOfLine(line: ReplyText, typed: string): string[] {
  const found = templates(line.key);
  if (found.length === 0) return [`${line.key} is no key of the catalogs`];
  const missing = SUPPORTED_LOCALES.filter((locale) => !found.some(([l]) => l === locale));
  if (missing.length > 0) return [`${line.key} is missing in ${missing.join(', ')}`];
  const problems: string[] = [];
  const params = line.params ?? {};
  for (const [locale, template] of found) {
    for (const name of placeholders(template)) {
      const filled = [name, `${name}Bytes`, `${name}Days`, `${name}Ms`, `${name}Key`].some(
        (p) => params[p] !== undefined,
      );
      if (!filled) problems.push(`${line.key} (${locale}) leaves {${name}} unfilled`);
    }
  }
  const refusal = line.key.startsWith('errors.');
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || /e/i.test(String(value)))
        problems.push(`${line.key}: ${name} is ${value}`);
      continue;
    }
    if (typeof value !== 'string') {
      problems.push(`${line.key}: ${name} is a ${typeof value}`);
      continue;
    }
    const mistaken = NOT_TEXT.exec(value)?.[0];
    if (mistaken && !typed.includes(mistaken))
      problems.push(`${line.key}: ${name} reads “${value.slice(0, 60)}”`);
    if (!refusal) continue;
    if (NAMING_PARAMS.has(name) && value.trim() === '') problems.push(`${line.key}: ${name} is empty`);
    if (!CONTENT_PARAMS.has(name) && [...value].length > 100)
      problems.push(`${line.key}: ${name} quotes ${[...value].length} characters`);
    if (LONE_SURROGATE.test(value)) problems.push(`${line.key}: ${name} holds half a surrogate pair`);
    if (BIDI_CONTROL.test(value)) problems.push(`${line.key}: ${name} holds a direction override`);
    if (CONTROL.test(value)) problems.push(`${line.key}: ${name} holds a control character`);
  }
  if (refusal || !LONE_SURROGATE.test(typed)) {
    const text = t('en', line.key, params);
    if (LONE_SURROGATE.test(text)) problems.push(`${line.key}: the text holds half a surrogate pair`);
  }
  return problems;
}

/** What is wrong with a reply (and the replies it carries in `more`) to `typed`; empty when nothing is. */
export function replyProblems(reply: Reply, typed: string): string[] {
  const problems: string[] = [];
  if (reply.text.some((line) => line.key === 'errors.generic'))
    problems.push('errors.generic: an exception reached the error boundary');
  for (const line of reply.text) problems.push(...problemsOfLine(line, typed));
  for (const more of reply.more ?? []) problems.push(...replyProblems(more, typed));
  return problems;
}
