// Bad input is normal input: seeded random lines (commands, flags typed twice or without values, braces and their
// escapes, custom options, `..` re-runs, Remix and Custom zoom answers, unicode of every kind, invisible marks at
// flags, words every object inherits (`--constructor`, `__proto__=1`), lines at and far past the limits) through the
// entries the adapters call with what a user typed. Each must get one localized answer (localized-reply-check.ts)
// and never reach the error boundary as an exception. The seed makes every run the same lines: a failure names the
// line to make a focused test of.
import { describe, expect, it } from 'vitest';
import type { Commands } from '../../commands/commands.js';
import { COMMANDS, findCommand } from '../../commands/registry.js';
import type { Reply } from '../../commands/reply.js';
import { optionsOf } from '../../commands/spec.js';
import { parseTextCommand } from '../../commands/text-grammar.js';
import { mulberry32 as random } from '../../engine/testing/mulberry32.js';
import { placeholders, SUPPORTED_LOCALES, t } from '../../src/i18n.js';
import type { Owner } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest, skyPainted } from './finished-results.js';
import { replyProblems } from './localized-reply-check.js';

// biome-ignore format: a list of cases reads best as a block
const HEADS = [
  '/imagine', '/draw', '/IMAGINE', '/imagine@dimoobot', '/edit', '/retouch', '/outpaint', '/describe', '/settings',
  '/prefer', '/cancel', '/queue', '/info', '/help', '/start', '/block', 'imagine', 'imagine:', '..', '', '—ar 1:1',
];
// biome-ignore format: a list of cases reads best as a block
const WORDS = [
  'a', 'fox', 'red sky', 'what is it?', '吗', '2x', 'x1.5', 'left', 'Square', 'center', 'top-left,',
  '0.1,0.1,0.5,0.5', '1,1,1,1;', 'size=768', 'private=ja', 'language', 'no:', '=', ':', '=5', 'off', 'NaN',
  'undefined', 'Infinity', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '{count}', '$&', '\\', '\\{',
  '\\}', '\\,', '{', '}', ',', '..', '...', '?', '—', '–',
];
// biome-ignore format: a list of cases reads best as a block
const FLAGS = [
  '--ar', '--aspect', '--size', '--n', '--images', '--seed', '--steps', '--cfg', '--temperature', '--temp',
  '--cache', '--no-cache', '--no', '--box', '--zoom', '--pan', '--type', '--cine', '--noir', '--two', '--esc',
  '--bs', '--gone2', '--x', '--', '--ar=', '--box=', '--zoom=', '—zoom', '–box', '—seed', 'ーーａｒ', '--constructor',
  '--hasownproperty', '--__proto__', '--toString', '--valueOf', '--ar\u200f', '--\u200bseed', '-\u2060-n',
  '--cine\u200b', 'ーーzoom', '－－ｂｏｘ', 'ーーpan', '—ZOOM', '--ar＝', 'ーーcine', 'a\u200b--seed', 'a\u2060--n',
];
// biome-ignore format: a list of cases reads best as a block
const VALUES = [
  '16:9', '1:1', '5:1', '0:0', '512', '768x512', '99999x1', '8', '0', '-1', '1.5', '2', '2.0', '1e2', '0x10', '１６：９',
  '４', '１６:９', '７６８ｘ５１２', '４．５', '０.１,０.１,０.５,０.５', '0x0,0,1,1', '0,,1,1', 'ｌｅｆｔ', 'NaN', 'Infinity', '4294967296', '9'.repeat(400), 'edit_remove', 'bogus', 'left', 'square', 'center',
  'top-left, center', '{1:1, 16:9}', '{2,3}', '--seed',
];
// biome-ignore format: a list of cases reads best as a block
const ODD = [
  '🦊', '👨‍👩‍👧', 'e\u0301', '\u200b', '\u200f', '\u202e', '\u2066', '\u0000', '\u0007', '\ud800', '\udfff', '\n', 'ｇ',
  '\u200c', '\u200d', '\u200e', '\u2060', '\ufeff', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
];
/** What each command's own grammar reads: its `--word` options (without a value, twice), leading words, pairs. */
const OWN: Readonly<Record<string, readonly string[]>> = {
  retouch: [
    '--box',
    '--box top',
    '--box=',
    '--box top --box left',
    '--box --seed 1',
    '0.1,0.1,0.5,0.5;',
    '--BOX center',
    '--box constructor',
    '--box __proto__',
    '--box\u200f top\u200b',
  ],
  outpaint: [
    '--zoom',
    '--zoom 2',
    `--zoom ${'9'.repeat(200)}`,
    `--zoom ${'9'.repeat(400)}`,
    '--zoom 0x2',
    '--pan',
    '--pan up',
    '3x',
    '--zoom 2 --zoom 1.5',
    '--zoom\u200b2',
    '--pan constructor',
    '--\u200bpan left',
  ],
  edit: ['--type', '--type edit_add', '--type edit_add --type edit_remove', '--type=', '--type constructor'],
  settings: [
    '=',
    ':',
    '=5',
    'a=1 b=2 c=3 d=4',
    'steps 0x10',
    `steps ${'9'.repeat(200)}`,
    'steps ６４',
    'size 1e3',
    'no',
    'no: off',
    'language',
    '__proto__=1',
    'constructor 1',
    'toString=1',
    'steps\u200b=5',
  ],
  prefer: [
    '--',
    '-- x',
    '—',
    'x',
    'zz off',
    'two',
    'bs',
    'cine {a,b',
    'p --p',
    'p --gone2',
    'constructor',
    '__proto__ --seed 1',
    'tostring off',
    'x'.repeat(30),
  ],
};
/** What a long line is made of: thousands of braces, flags, custom options, boxes, settings or emoji. */
// biome-ignore format: a list of cases reads best as a block
const REPEATED = [
  '{a,b}', '{a, b, c}', '{', '\\{', '--two', '--cine', '--noir x', '--no x', '--seed 1', '--box top', '--zoom 2',
  '0.1,0.1,0.1,0.1;', '2x', 'a=1', 'size=768', '🦊', 'a🦊', 'x', '—', '\u202e',
];
const OPTIONS = [
  '/prefer cine --ar 21:9 film {grain, dust}',
  '/prefer noir --no colour --steps 8',
  '/prefer two {a,b}{c,d}',
  '/prefer esc \\{x\\} \\, --seed {1,2}',
  '/prefer bs ends in a backslash\\',
  '/prefer constructor --steps 8 old film',
];

function lineMaker(rnd: () => number) {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const odd = () => {
    let out = rnd() < 0.5 ? 'a' : '';
    for (let n = 1 + Math.floor(rnd() * 60); n > 0; n--) out += pick(ODD);
    return out;
  };
  const piece = (): string => {
    const r = rnd();
    if (r < 0.25) return pick(WORDS);
    if (r < 0.5) return `${pick(FLAGS)} ${rnd() < 0.2 ? odd() : pick(VALUES)}`;
    if (r < 0.6) return pick(FLAGS);
    if (r < 0.7) return `{${pick(WORDS)}, ${pick([...VALUES, ...FLAGS])}}`;
    if (r < 0.78) return pick(VALUES);
    if (r < 0.9) return odd();
    return String.fromCharCode(Math.floor(rnd() * 0x10000));
  };
  return (): string => {
    const parts = [pick(HEADS)];
    const own = OWN[commandOf(parts[0] as string)] ?? [];
    for (let n = Math.floor(rnd() * 10); n > 0; n--)
      parts.push(own.length > 0 && rnd() < 0.3 ? pick(own) : piece());
    const line = parts.join(rnd() < 0.85 ? ' ' : pick(['', '  ', '\n', ',', '\t']));
    // Now and then a line at the limits, or far past them (made of one piece, repeated).
    if (rnd() < 0.05) {
      const target = pick([4_499, 4_500, 4_501, 5_000, 20_000, 100_000]);
      const unit = ` ${rnd() < 0.6 ? pick(REPEATED) : piece()}`;
      return `${line}${unit.repeat(Math.ceil(target / unit.length))}`.slice(0, target);
    }
    return line;
  };
}

/** The command a typed line names (`/draw@dimoobot x` → imagine), for the rules that depend on it. */
function commandOf(line: string): string {
  return parseTextCommand(COMMANDS, line, 'dimoobot')?.name ?? '';
}

/** Every option's name in the specs: what the commands call them, not what a typed line does (`direction`, `value`). */
const OPTION_NAMES = new Set(COMMANDS.flatMap((spec) => optionsOf(spec).map((option) => option.name)));

/** A refusal that names an option by its spec name where the line never typed that word (it typed `--pan`). */
function internalNames(reply: Reply, line: string): string[] {
  const found: string[] = [];
  for (const text of reply.text) {
    if (!text.key.startsWith('errors.')) continue;
    for (const param of placeholders(t('en', text.key))) {
      const value = text.params?.[param];
      if (
        !['option', 'flag', 'a', 'b'].includes(param) ||
        typeof value !== 'string' ||
        !OPTION_NAMES.has(value)
      )
        continue;
      if (!new RegExp(`(^|[^\\p{L}\\p{N}-])${value}([^\\p{L}\\p{N}_-]|$)`, 'iu').test(line))
        found.push(`${text.key} names the option “${value}”, a word the line never typed`);
    }
  }
  return found;
}

type Entry = (commands: Commands, line: string) => Promise<Reply | undefined>;

describe('typed lines, fuzzed', () => {
  it('answers each of 1600 seeded lines with one localized message, through every entry the adapters call', async () => {
    const { commands, store, queue } = commandsOnQueue('typed-fuzz', {
      start: false,
      limits: { maxPerUser: 1_000_000, maxPerScope: 1_000_000, maxTotal: 1_000_000 },
    });
    const user: Owner = { platform: 'web', userId: 'fuzz' };
    const { png, finished } = await finishedResults(store, user, 'playground');
    const imagined = finished({ ...imagineRequest('a {fox}, \\, b'), negativePrompt: 'x --ar' });
    const painted = finished(skyPainted());
    const rnd = random(20_240_611);
    const nextLine = lineMaker(rnd);
    let locale = 0;
    const ctx = () =>
      commands.context({
        user,
        scope: 'playground',
        language: SUPPORTED_LOCALES[locale++ % SUPPORTED_LOCALES.length],
        ownMachine: true,
      });
    for (const option of OPTIONS) {
      expect((await commands.runText(ctx(), option))?.text[0]?.key).toBe('prefer.saved');
    }
    const image = { data: png };
    const entries: Record<string, Entry> = {
      text: (c, line) => c.runText(ctx(), line, rnd() < 0.5 ? [] : [image, image], 'dimoobot'),
      chat: (c, line) =>
        c.runChatLine(ctx(), line, rnd() < 0.5 ? {} : { image, ...(rnd() < 0.3 ? { mask: image } : {}) }),
      image: (c, line) => c.replyToImage(ctx(), { image, text: line }),
      result: (c, line) => c.replyToResult(ctx(), rnd() < 0.5 ? imagined : painted, line),
      remix: (c, line) => c.answerAsk(ctx(), 'imagine_line', rnd() < 0.5 ? imagined : painted, line),
      zoom: (c, line) => c.answerAsk(ctx(), 'zoom_line', imagined, line),
      region: (c, line) => c.answerAsk(ctx(), 'region_line', imagined, line),
      edit: (c, line) => c.answerAsk(ctx(), 'edit_instruction', imagined, line),
    };
    const names = Object.keys(entries);
    const failures: string[] = [];
    for (let i = 0; i < 1600; i++) {
      const line = nextLine();
      const name = names[i % names.length] as string;
      const shown = `${name} ${JSON.stringify(line.slice(0, 120))}${line.length > 120 ? ` (${line.length} chars)` : ''}`;
      let reply: Reply | undefined;
      try {
        reply = await (entries[name] as Entry)(commands, line);
      } catch (error) {
        failures.push(`${shown}: threw ${String(error)}`);
        continue;
      }
      if (!reply) continue;
      const problems = replyProblems(reply, line);
      // The answer to Custom zoom is read as an /outpaint line, to Vary (Region) as a /retouch line; to Remix and
      // Edit as a prompt, where `--zoom` is no flag.
      const grammar = { zoom: 'outpaint', region: 'retouch', remix: '', edit: '' }[name] ?? commandOf(line);
      const named = Object.keys(findCommand(grammar)?.text?.named ?? {}).map((word) => `--${word}`);
      for (const r of [reply, ...(reply.more ?? [])]) {
        const flag = r.text.find((l) => l.key === 'errors.flag.unknown')?.params?.flag;
        if (typeof flag === 'string' && named.includes(flag))
          problems.push(`its own option ${flag} called unknown`);
        problems.push(...internalNames(r, line));
        // The queue stays short: what was queued is withdrawn at once.
        if (r.jobId) queue.cancel(r.jobId, user, true);
      }
      for (const problem of problems) failures.push(`${shown}: ${problem}`);
    }
    expect(failures.slice(0, 15)).toEqual([]);
  });
});
