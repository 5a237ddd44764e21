import type { RouteReply } from './errors.js';

/**
 * Discord's 400 "Invalid Form Body" (50035) for one field: `errors` nests the field's path (`components.0.label`
 * becomes `{ components: { 0: { label: { _errors: [...] } } } }`), as Discord answers; discord.js prints it as
 * `components[0].label[CODE]: message` in the DiscordAPIError's message.
 */
export function formError(path: string, code: string, message: string): RouteReply {
  const leaf = { _errors: [{ code, message }] };
  const errors = path
    .split('.')
    .reverse()
    .reduce<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
}

/**
 * A string field's length rule, when the field is present: at most `max` characters (UTF-16 units, as Discord
 * counts), and at least `min` where one is given. Absent or non-string values pass: required fields are checked
 * by the caller.
 */
export function badLength(value: unknown, path: string, max: number, min = 0): RouteReply | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length > max && min === 0)
    return formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  if (value.length > max || value.length < min)
    return formError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  return undefined;
}

/** An array field's count rule, when present: `min` to `max` items. */
export function badCount(value: unknown, path: string, max: number, min = 0): RouteReply | undefined {
  if (!Array.isArray(value)) return undefined;
  if (value.length > max && min === 0)
    return formError(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
  if (value.length > max || value.length < min)
    return formError(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  return undefined;
}

/** A required field that is missing (or not a string where one is needed). */
export function required(path: string): RouteReply {
  return formError(path, 'BASE_TYPE_REQUIRED', 'This field is required');
}

/** The first refusal of a list of lazily evaluated checks. */
export function firstOf(checks: Iterable<() => RouteReply | undefined>): RouteReply | undefined {
  for (const check of checks) {
    const refusal = check();
    if (refusal) return refusal;
  }
  return undefined;
}
