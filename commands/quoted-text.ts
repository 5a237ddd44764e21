// A user's own words quoted back in a refusal (“got …”, “Unknown flag …”): the refusal is a sentence of ours, and
// what it quotes must not break it. Cut between whole characters (half an emoji is invalid UTF-16, which Telegram
// refuses outright, so the user would get no answer at all), bounded (a 4 000-character flag would bury the
// sentence), and unable to restyle what follows: a right-to-left override typed in a value would otherwise turn the
// rest of the sentence around.

/** Quoted words are cut here: enough to recognize what was typed. */
export const QUOTED_CHARS = 40;

/** Embeddings, overrides and isolates: each reaches past the quote to the end of the line. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
/** Half of a surrogate pair on its own (from a web client's JSON; never from a chat platform's UTF-8). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Control characters other than white space (NUL, escape…): shown as the replacement character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this matches.
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;

/**
 * Typed text as a refusal quotes it: white space as one space, control characters and lone surrogates as `�`,
 * direction overrides dropped, at most `max` characters (code points, as the limits count them) with `…` where cut.
 * A value that is no text (a number, a switch) is written as text; anything else quotes as nothing.
 */
export function quoted(value: unknown, max = QUOTED_CHARS): string {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return '';
  // Only the start is quoted: the rest is never looked at, however long the line.
  const text = String(value).slice(0, max * 4 + 8);
  const clean = text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(BIDI_CONTROLS, '')
    .replace(CONTROLS, '\ufffd')
    .replace(/\s+/g, ' ');
  const chars = Array.from(clean);
  const cut = chars.length > max || text.length < String(value).length;
  return cut ? `${chars.slice(0, max - 1).join('')}…` : clean;
}

/**
 * Typed text as it is kept: half a surrogate pair (a web client's JSON may hold one) becomes `�`, as UTF-8 (the
 * database, every chat platform) would have it anyway, so nothing stored or quoted later is malformed.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** Text with nothing to see (the engine's own rule, so a prompt the commands pass is one the engine takes). */
export { isBlankText as isBlank } from '../engine/index.js';

/** Characters as the limits count them (code points: an emoji is one), without copying the text. */
export function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
