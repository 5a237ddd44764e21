// Invisible format characters (Unicode Cf: zero-width space, joiners, direction marks, the BOM, the word joiner)
// that phones and copy-paste put into a line: inside or beside a `--flag` they are nothing the user meant, and left
// there they turn the flag into prompt words without a word said (`a fox --ar\u200f 16:9` drew a square picture of
// "a fox --ar 16:9"). Only the marks at flags go: the same characters in the prompt's own words (an emoji's joiners, a
// subdivision flag's tags, a Persian word's non-joiner) are the user's text and stay.

import { IME_DASH } from './typed-dashes.js';

/** A format character, but not the tag characters (U+E0000–E007F) that spell a subdivision flag after 🏴. */
const MARK = String.raw`(?:(?![\u{E0000}-\u{E007F}])\p{Cf})`;
const MARKS = new RegExp(`${MARK}+`, 'gu');
const ANY_MARK = new RegExp(MARK, 'u');
/** A letter, digit or hyphen of a flag's name, typed plain or full-width (`--ｓｔｅｐｓ` is `--steps`). */
const NAME_CHAR = '[a-z0-9\\-ａ-ｚＡ-Ｚ０-９－]';
/**
 * A flag's dashes with marks between them: `--`, an input method's pair (`ーー`, typed-dashes.ts) or a phone's dash.
 * The marks at `ーーsteps\u200f ８` were left, and the flag read as prompt words.
 */
const FLAG_DASHES = `(?:-${MARK}*-|${IME_DASH}${MARK}*${IME_DASH}|[—–])`;
/**
 * A flag as a run from the start of a word: marks before it, its dashes (`--`, a phone's `—`) with marks between
 * them, then its name's letters, digits and dashes with marks anywhere among them.
 */
const FLAG_RUN = new RegExp(String.raw`(^|\s)(${MARK}*${FLAG_DASHES}(?:${MARK}|${NAME_CHAR})*)`, 'giu');
/** A run's dashes, with the marks before and between them. */
const DASHES = new RegExp(`^${MARK}*${FLAG_DASHES}`, 'u');
/** What a run is once its marks are gone, when it is a flag at all: dashes, then a letter. */
const FLAG_START = new RegExp(`^(?:--|${IME_DASH}{2}|[—–])[a-zａ-ｚ]`, 'iu');
/**
 * A zero-width space glued between a word and `--flag` (`a\u200b--ar 16:9`, as a page that spaces with it copies):
 * Unicode's invisible break opportunity, so a space, as the BOM already is (JavaScript's `\s` holds it). The word
 * joiner forbids a break and the non-joiner shapes a script: there the flag stays glued to the word, as in `a--ar`.
 * Only before two hyphens: a zero-width space beside a phone's `—` is typesetting's break beside a dash
 * (`well\u200b—known`), punctuation. Only before a name the reader knows, too: `well\u200b--known` is a word typed
 * with a double hyphen, as `well--known` is, not a flag `--known` to refuse.
 */
// A run matches whole, from its first mark (`(?<!…)`), and is judged as a whole: a pattern that found the
// zero-width space inside the run split the run every way it could (cubic: 4000 marks held the event loop a minute).
// The name is the letters up to a mark or anything else, as `FLAG_RUN` parts `--ar\u200b16:9`.
const GLUED_FLAG = new RegExp(
  String.raw`(?<=\S)(?<!${MARK})${MARK}+(?=-${MARK}*-${MARK}*([a-zａ-ｚ]${NAME_CHAR}*))`,
  'giu',
);

/**
 * The line with the marks at its flags taken out: a zero-width space between a word and a flag whose name
 * `isFlag` knows parts them (`GLUED_FLAG`); before a flag and between its dashes they are nothing
 * (`--\u200bseed` is `--seed`); after its name's first letter, a zero-width space, or any mark before a digit, parted
 * the name from its value (`--ar\u200b16:9` is `--ar 16:9`: no flag's name holds a mark), and others are nothing
 * (`--ar\u200f 16:9` is `--ar 16:9`).
 */
export function withoutMarksAtFlags(line: string, isFlag: (name: string) => boolean): string {
  if (!ANY_MARK.test(line)) return line;
  return line
    .replace(GLUED_FLAG, (run: string, name: string) =>
      run.includes('\u200b') && isFlag(name.normalize('NFKC').toLowerCase()) ? ' ' : run,
    )
    .replace(FLAG_RUN, (whole: string, before: string, run: string, at: number, all: string) => {
      if (!ANY_MARK.test(run) || !FLAG_START.test(run.replace(MARKS, ''))) return whole;
      const next = all[at + whole.length] ?? '';
      const dashes = DASHES.exec(run)?.[0] ?? '';
      const name = run.slice(dashes.length).replace(MARKS, (marks: string, offset: number, text: string) => {
        const after = text[offset + marks.length] ?? next;
        const parts = offset > 0 && (marks.includes('\u200b') || /[0-9０-９]/.test(after));
        return parts && after !== '' && !/[\s=]/.test(after) ? ' ' : '';
      });
      return `${before}${dashes.replace(MARKS, '')}${name}`;
    });
}

/** A flag's value (a number, a ratio, a size, a region's name) without any format mark: none holds one. */
export function withoutMarks(value: string): string {
  return ANY_MARK.test(value) ? value.replace(MARKS, '') : value;
}
