// What keyboards type for a flag's `--`: phones an em or en dash (`—ar`), Japanese and Chinese input methods two
// long-vowel marks or full-width hyphens (`ーーar`, `－－ａｒ`, full-width letters too). Every reader of a typed line
// (a prompt's flags, a command's own `--word`s, a custom option, a reply that opens with a flag) reads them the same,
// so a form one entry takes is not words, or an edit, at another.

/** One of an input method's two dashes (`ー`, `－`, …): a pair of them is a flag's `--`. */
export const IME_DASH = '[ー－−‐‑]';

/** The dashes of a typed flag before a letter. */
const TYPED_DASHES = new RegExp(`^(?:[—–]|${IME_DASH}{2})(?=\\p{L})`, 'u');

/** The same, written into other patterns: before a Latin letter, as no other letter starts a flag's name. */
export const TYPED_DASHES_SOURCE = `(?:[—–]|${IME_DASH}{2})(?=[a-zａ-ｚ])`;

/**
 * A flag's name as typed: its letters (full-width ones too: `ｓｔｅｐｓ`), digits and dashes, up to anything else (its
 * `=`). Only this part of a token is folded: a value after `=` is the user's text (`--no=ＡＢＣ` avoids `ＡＢＣ`), and
 * a number's reader takes its full-width digits itself.
 */
const TYPED_NAME = /^[\p{L}\p{N}\-－]*/u;

/**
 * A token as the flag it was meant to be (`ーーａｒ` → `--ar`, `--ｓｔｅｐｓ` → `--steps`, `—seed=４` → `--seed=４`): its
 * dashes and name in their plain forms, the rest as typed; a token that is no flag's, unchanged.
 */
export function asFlagToken(token: string): string {
  const dashes = token.startsWith('--') ? '--' : TYPED_DASHES.exec(token)?.[0];
  if (dashes === undefined) return token;
  const after = token.slice(dashes.length);
  const name = TYPED_NAME.exec(after)?.[0] ?? '';
  return `--${name.normalize('NFKC')}${after.slice(name.length)}`;
}

/** The lower-case name a token gives as a flag, in any of its typed forms (`—Zoom=2` → `zoom`), or undefined. */
export function flagNameOf(token: string): string | undefined {
  return /^--([a-z][a-z0-9-]*)(?:[=＝]|$)/i.exec(asFlagToken(token))?.[1]?.toLowerCase();
}
