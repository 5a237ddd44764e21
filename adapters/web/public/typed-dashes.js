// What keyboards type for a flag's `--`, read as the server reads it (commands/typed-dashes.ts): a phone's em or en
// dash (`—ar`), an input method's two long-vowel marks or full-width hyphens (`ーーar`, `－－ａｒ`), a name in
// full-width letters after any of them (`--ｓｔｅｐｓ`), full-width digits and `＝` too. The page's helpers (the
// suggestions, Vary (Region)'s line, Reuse seed) read a line with these rules, so what they take for a flag is what
// the server will. A copy, as the page loads only its own files: test/adapters/web/typed-dashes-agree.test.ts holds
// the two to the same samples.

/** The dashes of a typed flag before a letter. */
const TYPED_DASHES = /^(?:[—–]|[ー－−‐‑]{2})(?=\p{L})/u;

/** The same, written into other patterns: before a Latin letter, as no other letter starts a flag's name. */
export const TYPED_DASHES_SOURCE = '(?:[—–]|[ー－−‐‑]{2})(?=[a-zａ-ｚ])';

/**
 * A flag's name as typed: its letters (full-width ones too: `ｓｔｅｐｓ`), digits and dashes, up to anything else (its
 * `=`). Only this part of a token is folded: a value after `=` is the user's text (`--no=ＡＢＣ` avoids `ＡＢＣ`).
 */
const TYPED_NAME = /^[\p{L}\p{N}\-－]*/u;

/**
 * A token as the flag it was meant to be (`ーーａｒ` → `--ar`, `--ｓｔｅｐｓ` → `--steps`, `—seed=４` → `--seed=４`): its
 * dashes and name in their plain forms, the rest as typed; a token that is no flag's, unchanged.
 */
export function asFlagToken(token) {
  const dashes = token.startsWith('--') ? '--' : TYPED_DASHES.exec(token)?.[0];
  if (dashes === undefined) return token;
  const after = token.slice(dashes.length);
  const name = TYPED_NAME.exec(after)?.[0] ?? '';
  return `--${name.normalize('NFKC')}${after.slice(name.length)}`;
}

/** The lower-case name a token gives as a flag, in any of its typed forms (`—Zoom=2` → `zoom`), or undefined. */
export function flagNameOf(token) {
  return /^--([a-z][a-z0-9-]*)(?:[=＝]|$)/i.exec(asFlagToken(token))?.[1]?.toLowerCase();
}

/** A flag's name as a pattern that also matches it in full-width letters (`ｂｏｘ`), as input methods type it. */
export function typedName(name) {
  return [...name]
    .map((c) => (/[a-z]/i.test(c) ? `[${c}${String.fromCharCode(c.charCodeAt(0) + 0xfee0)}]` : c))
    .join('');
}

/**
 * A named option's value in a line, as the server's `takeOption` reads it (`--box center`, `ーーｂｏｘ＝top`, a list
 * typed with spaces after `,` or `;` while the next word can be on a list of regions): the line without it, and the
 * value (undefined, the line unchanged, where none).
 */
export function takeOption(text, name) {
  const taking = new RegExp(
    `(?:^|\\s)(?:--|${TYPED_DASHES_SOURCE})${typedName(name)}(?:[=＝]|\\s+)(?!--)(\\S+)`,
    'gi',
  );
  const nextWord = /\s+(\S+)/y;
  let value;
  let rest = '';
  let kept = 0;
  for (let m = taking.exec(text); m; m = taking.exec(text)) {
    const words = [m[1]];
    nextWord.lastIndex = taking.lastIndex;
    for (let next = nextWord.exec(text); next; next = nextWord.exec(text)) {
      if (!/[,;，；]$/.test(words.at(-1)) || !isRegionItem(next[1])) break;
      words.push(next[1]);
      taking.lastIndex = nextWord.lastIndex;
    }
    value = words.join(' ');
    rest += text.slice(kept, m.index);
    kept = taking.lastIndex;
  }
  rest += text.slice(kept);
  return value === undefined ? { rest: text } : { rest: rest.trim(), value };
}

/** The regions a list names, as the server's `parseBoxes` knows them (commands/regions.ts), its aliases too. */
const REGION_NAMES = [
  'top-left',
  'top-right',
  'bottom-left',
  'bottom-right',
  'top',
  'bottom',
  'left',
  'right',
  'center',
  'centre',
  'middle',
];

/** Invisible format characters, as the server's `withoutMarks` drops them (not a subdivision flag's tags). */
const MARKS = /(?:(?![\u{E0000}-\u{E007F}])\p{Cf})+/gu;

/**
 * Whether a word can go on a list of regions after a `,` or `;`, as the server's rule has it: every part a region's
 * name (any case, `_` for `-`, full-width) or `x,y,w,h` fractions, right or not.
 */
function isRegionItem(word) {
  const parts = word
    .replace(MARKS, '')
    .normalize('NFKC')
    .split(';')
    .flatMap((part) => part.split(/(?<=[a-z]),|,(?=[a-z])/i))
    .map((part) => part.replace(/^,+|,+$/g, ''))
    .filter(Boolean);
  return (
    parts.length > 0 &&
    parts.every(
      (part) =>
        /^[\d.]+(?:,[\d.]*)+$/.test(part) || REGION_NAMES.includes(part.toLowerCase().replace(/_/g, '-')),
    )
  );
}

/**
 * A list's word before the one being typed, as a pattern source: a region's name or fractions, typed plain or
 * full-width (`ｃｅｎｔｅｒ，`, `０.１，０.１，０.５，０.５；`), as `isRegionItem` reads it; one with an invisible mark in it
 * ends the list here, where the server reads on (the suggestions then wait for a new `--box`). Fractions are taken
 * whole (none follow them but after a `;` or before a name): read also as fractions parted at their commas, a long
 * word that is none was tried every way it parts, exponentially.
 */
const REGION_ITEM_SOURCE = (() => {
  const digit = '[0-9０-９.．]';
  const name = REGION_NAMES.map((n) => n.split('-').map(typedName).join('[-_－＿]')).join('|');
  const part = `(?:${name}|${digit}+(?:[,，]+${digit}+)+(?![,，]*${digit}))`;
  return `[,，;；]*${part}(?:[,，;；]+${part})*[,，;；]*(?=\\s)`;
})();

/**
 * The start of a line up to the value being typed for a named option (`/retouch a hat ーーbox center, `), as a
 * pattern source: what follows it is the last item of the option's value list. The words before it after the first
 * are those the server goes on to (`isRegionItem`).
 */
export function optionValueStart(name) {
  return `(?:--|${TYPED_DASHES_SOURCE})${typedName(name)}(?:[=＝]|\\s+)(?!--|${TYPED_DASHES_SOURCE})(?:\\S*[,;，；]\\s+(?:(?=${REGION_ITEM_SOURCE})\\S*[,;，；]\\s+)*)?`;
}

/**
 * The flag being typed at the end of a line (`--`, `--st`, `—st`, `ーーｓｔ`): where it starts and how it reads
 * (`--st`), or undefined. Dashes alone are a flag only as `--`: a keyboard's dash before no letter is punctuation.
 */
export function flagAtEnd(line) {
  const typed = /(?:^|\s)(\S+)$/.exec(line)?.[1];
  if (typed === undefined) return undefined;
  const flag = asFlagToken(typed);
  if (!/^--(?:[a-z][a-z0-9-]*)?$/i.test(flag)) return undefined;
  return { at: line.length - typed.length, flag: flag.toLowerCase() };
}

/** A line without a flag and its value (`--seed 5`, `—seed=５`, `ーーｓｅｅｄ ４２`), in any of its typed forms. */
export function withoutFlag(line, name) {
  const flag = `(?:--|${TYPED_DASHES_SOURCE})${typedName(name)}`;
  return line.replace(new RegExp(`(?:^|\\s+)${flag}(?:[=＝]\\S*|\\s+(?!--)\\S+|(?=\\s|$))`, 'gi'), '').trim();
}
