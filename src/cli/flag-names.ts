// The engine's refusals name a request's fields ("genLength must be …", "cfgImg must be …"), as its other callers
// (the bot, the playground) know them; a CLI user gave flags. Renamed here, at the CLI's edge, only in the line the
// CLI prints: the engine's messages, codes and params stay as they are for everyone else.

/** Field names that read only as identifiers: replaced wherever they stand. */
const IDENTIFIERS: Readonly<Record<string, string>> = {
  genLength: 'gen-length',
  gen_length: 'gen-length',
  blockLength: 'block-length',
  block_length: 'block-length',
  cfgImg: 'cfg-img',
  cache_ratio: 'cache-ratio',
  warmup_ratio: 'warmup-ratio',
  refresh_interval: 'refresh-interval',
};

/**
 * Field names that are ordinary words: replaced only as the subject that opens the message ("steps must be …",
 * "prompt is empty"), since elsewhere they are prose ("with 2 steps and …").
 */
const SUBJECTS: Readonly<Record<string, string>> = {
  'negative prompt': 'negative-prompt',
  steps: 'steps',
  cfg: 'cfg',
  temperature: 'temperature',
  seed: 'seed',
  count: 'count',
  dilate: 'dilate',
  width: 'width',
  height: 'height',
  prompt: 'prompt',
  question: 'question',
};

/** Whole phrases of particular messages, each naming the flag it is about. */
const PHRASES: ReadonlyArray<{ flag: string; find: RegExp; replace: string }> = [
  { flag: 'negative-prompt', find: /^a negative prompt needs/, replace: '--negative-prompt needs' },
  { flag: 'cfg', find: /, and cfg is 0$/, replace: ', and --cfg is 0' },
  { flag: 'temperature', find: /needs a temperature above 0$/, replace: 'needs --temperature above 0' },
  { flag: 'prompt', find: /^(edit type "[^"]*") needs a prompt$/, replace: '$1 needs --prompt' },
  {
    flag: 'ref-image',
    find: /needs a style reference image besides/,
    replace: 'needs a style reference image (--ref-image) besides',
  },
  // paint's regions, each given by one flag.
  { flag: 'ratio', find: /^(the (height|width) ratio )/, replace: '--ratio: $1' },
  { flag: 'box', find: /^box (\d+) /, replace: '--box $1 ' },
  { flag: 'extend', find: /^(the ((left|top|right|bottom) )?extension )/, replace: '--extend: $1' },
  { flag: 'scatter', find: /^(the share of cells to redraw )/, replace: '--scatter: $1' },
  { flag: 'mask', find: /^the mask is empty/, replace: '--mask is empty' },
];

const SUBJECT = new RegExp(`^(${Object.keys(SUBJECTS).join('|')})(?= must | is | \\(| > )`);
const IDENTIFIER = new RegExp(`\\b(${Object.keys(IDENTIFIERS).join('|')})\\b`, 'g');

/** The flags a command takes, read from its usage line (`--steps 64`, `[--inpaint|--outpaint]`). */
export function flagsOf(usage: string): Set<string> {
  return new Set([...usage.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1] as string));
}

/** `message` with each field name a flag of `flags` sets written as that flag; other names stay as they are. */
export function withFlagNames(message: string, flags: ReadonlySet<string>): string {
  let text = message.replace(SUBJECT, (field) => {
    const flag = SUBJECTS[field] as string;
    return flags.has(flag) ? `--${flag}` : field;
  });
  text = text.replace(IDENTIFIER, (field) => {
    const flag = IDENTIFIERS[field] as string;
    return flags.has(flag) ? `--${flag}` : field;
  });
  for (const { flag, find, replace } of PHRASES) if (flags.has(flag)) text = text.replace(find, replace);
  return text;
}
