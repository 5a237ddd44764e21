// A command's flags are declared once: parseArgs reads their `type` (and ignores the rest), `--help` their
// placeholder and meaning. A flag the command takes cannot then go unexplained in its help, nor its default unsaid.
import type { ParseArgsConfig } from 'node:util';

type ParseOption = NonNullable<ParseArgsConfig['options']>[string];

export type Flag = ParseOption & {
  /** The value's placeholder in the help (`N`, `FILE`); a switch has none. */
  readonly arg?: string;
  /** What the flag does, its default included ("default 64", "default: random"). */
  readonly help: string;
};

export type Flags = Readonly<Record<string, Flag>>;

/** A flag that takes a value. */
export const valueFlag = (arg: string, help: string) => ({ type: 'string', arg, help }) as const;

/** A flag that is given or not. */
export const switchFlag = (help: string) => ({ type: 'boolean', help }) as const;

const WIDTH = 112;
/** Where each flag's text starts: a longer name and placeholder put the text on the line below. */
const COLUMN = 25;

/** `text` in lines of at most `width` characters, broken between words. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line ? [...lines, line] : lines;
}

/** The help's "Options:" section: each flag with its placeholder, then what it does, in the order declared. */
export function optionsHelp(flags: Flags): string {
  const lines = ['Options:'];
  const indent = ' '.repeat(COLUMN);
  for (const [name, flag] of Object.entries(flags)) {
    const label = `  --${name}${flag.arg ? ` ${flag.arg}` : ''}`;
    const text = wrap(flag.help, WIDTH - COLUMN);
    if (label.length < COLUMN - 1) {
      lines.push(`${label.padEnd(COLUMN)}${text[0] ?? ''}`.trimEnd());
      lines.push(...text.slice(1).map((t) => `${indent}${t}`));
    } else {
      lines.push(label, ...text.map((t) => `${indent}${t}`));
    }
  }
  return lines.join('\n');
}
