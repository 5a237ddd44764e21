// Validation, once, against a command's zod schema; every failure becomes one UserInputError whose code is a
// locale key naming the option and what it accepts. Prompt flags go through the same schemas (`checkValue`).
import type { z } from 'zod';
import { allCatalogs } from '../src/i18n.js';
import { isUserInputCode, type UserInputCode, UserInputError } from './errors.js';
import { codePoints, quoted } from './quoted-text.js';
import { sentenceReads } from './sentence-params.js';
import { type CommandSpec, describeOption, type OptionInfo } from './spec.js';

/**
 * The options as the handler receives them, or the refusal for the first bad one, naming the option as `label` says
 * the user named it (a typed line's `--pan` for `direction`; `OptionLabel`).
 */
export function validateOptions<S extends z.ZodObject>(
  spec: CommandSpec<S>,
  raw: Readonly<Record<string, unknown>>,
  imageMissingKey: UserInputCode,
  label: (option: string) => string = (option) => option,
): z.output<S> {
  const result = spec.options.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const name = String(issue.path[0] ?? '');
  const field = Object.hasOwn(spec.options.shape, name) ? (spec.options.shape[name] as z.ZodType) : undefined;
  if (!field) throw new UserInputError('errors.option.invalid', { option: `/${spec.name}`, value: '' });
  const info = describeOption(name, field);
  if (info.type === 'attachment') throw new UserInputError(imageMissingKey, { command: `/${spec.name}` });
  throw refusal(issue, info, label(name), raw[name]);
}

/** One value checked against an option schema; `label` names it in the refusal (`--steps` for a flag). */
export function checkValue<T>(schema: z.ZodType<T>, label: string, value: unknown, typed?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  throw refusal(issue, describeOption(label, schema), label, typed ?? value);
}

function refusal(issue: z.core.$ZodIssue, info: OptionInfo, label: string, value: unknown): UserInputError {
  const shown = quoted(value);
  if (value === undefined && info.meta.missingKey) return new UserInputError(info.meta.missingKey);
  if (issue.code === 'custom' && isUserInputCode(issue.params?.key)) {
    const { key, ...params } = issue.params as Record<string, string | number>;
    return ownSentence(issue.params.key, { flag: label, value: shown, ...params });
  }
  if (info.type === 'integer' || info.type === 'number') {
    if (info.choices) return choiceRefusal(info, label, shown);
    return new UserInputError(
      info.type === 'integer' ? 'errors.flag.range_integer' : 'errors.flag.range_number',
      { flag: label, value: shown, min: info.min ?? '', max: info.max ?? '' },
    );
  }
  if (info.choices) return choiceRefusal(info, label, shown);
  if (info.type === 'boolean')
    return new UserInputError('errors.settings.choice', { option: label, value: shown, choices: 'on, off' });
  if (info.meta.invalidKey) return ownSentence(info.meta.invalidKey, { option: label, value: shown });
  if (issue.code === 'too_big' && typeof value === 'string') {
    return ownSentence(info.meta.tooLongKey ?? 'errors.option.too_long', {
      option: label,
      length: codePoints(value),
      limit: info.maxLength ?? '',
    });
  }
  return new UserInputError('errors.option.invalid', { option: label, value: shown });
}

function choiceRefusal(info: OptionInfo, label: string, shown: string): UserInputError {
  return new UserInputError('errors.settings.choice', {
    option: label,
    value: shown,
    choices: (info.choices ?? []).map((c) => c.value).join(', '),
  });
}

/** What each key's sentence reads (`sentence-params.ts`), found once a key. */
const sentenceParams = new Map<string, (param: string) => boolean>();

function readsOf(key: UserInputCode): (param: string) => boolean {
  let reads = sentenceParams.get(key);
  if (!reads) {
    reads = sentenceReads(Object.values(allCatalogs()), key);
    sentenceParams.set(key, reads);
  }
  return reads;
}

/**
 * A refusal with the params its sentence reads in some language. `option`, `flag` and `value` are offered to every
 * refusal, and a sentence of a spec's own (`/prefer`'s value, `/block`'s reason and user, a custom check's) often
 * says the option its own way (“What an option stands for is too long”): a param no sentence reads is dropped
 * rather than carried for nothing, and one its formatting reads (a plural's `count`, a size's `sizeBytes`) is kept.
 */
function ownSentence(key: UserInputCode, offered: Record<string, string | number>): UserInputError {
  const reads = readsOf(key);
  return new UserInputError(key, Object.fromEntries(Object.entries(offered).filter(([name]) => reads(name))));
}
