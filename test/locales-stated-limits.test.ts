// What en.json tells users in numbers and lists (ranges, defaults, sizes, the names a command takes) is what the code
// holds: each text is read for the numbers it states and held against the table or the behaviour they describe, so
// a limit changed in commands/limits.ts, a default in regions.ts or a factor on a button cannot leave the text behind.
import { describe, expect, it } from 'vitest';
import { EDIT_TYPE_CHOICES } from '../commands/edit/spec.js';
import { LIMITS, MAX_ASPECT, MAX_PROMPT_CHARS, MAX_SIDE } from '../commands/limits.js';
import { aspectOf } from '../commands/options.js';
import { DIRECTIONS } from '../commands/outpaint/spec.js';
import { parsePrompt } from '../commands/prompt.js';
import { extensionOf, NAMED_REGIONS } from '../commands/regions.js';
import type { Reply } from '../commands/reply.js';
import { settingsSpec } from '../commands/settings/spec.js';
import { optionsOf } from '../commands/spec.js';
import { upscaledSize } from '../commands/upscale-size.js';
import type { AcceptedFormat } from '../engine/index.js';
import { loadCatalog, SUPPORTED_LOCALES, t } from '../src/i18n.js';
import type { Job } from '../src/jobs/index.js';
import { commandsOnQueue } from './commands/commands-on-queue.js';

const en = loadCatalog('en');
const text = (key: string): string => {
  const message = en[key];
  if (message === undefined) throw new Error(`en.json has no ${key}`);
  return message;
};
/** The one match of `pattern` in a text, its groups as numbers. */
const numbersIn = (key: string, pattern: RegExp): number[] => {
  const m = pattern.exec(text(key));
  if (!m) throw new Error(`${key} no longer says ${pattern}: ${text(key)}`);
  return m.slice(1).map(Number);
};
const ZOOM = [LIMITS.zoom.min, LIMITS.zoom.max];
const IMAGES = [LIMITS.images.min, LIMITS.images.max];

describe('en.json states the limits the code holds', () => {
  it('the zoom range and /outpaint’s default zoom', () => {
    expect(numbersIn('command.outpaint.options.zoom.description', /from ([\d.]+) to ([\d.]+)/)).toEqual(ZOOM);
    expect(numbersIn('ask.zoom.label', /--zoom from ([\d.]+) to ([\d.]+)/)).toEqual(ZOOM);
    expect(numbersIn('help.web.images', /--zoom ([\d.]+)–([\d.]+)/)).toEqual(ZOOM);
    expect(numbersIn('help.web.buttons', /any factor from ([\d.]+) to ([\d.]+)/)).toEqual(ZOOM);
    // /outpaint naming neither zoom nor side: every side grows by half the extra width.
    const [stated] = numbersIn('command.outpaint.options.zoom.description', /\(default ([\d.]+)\)/);
    const square = { width: 512, height: 512 };
    expect(extensionOf(undefined, undefined, square).left).toBeCloseTo(((stated as number) - 1) / 2);
  });

  it('how many images one job draws', () => {
    for (const command of ['imagine', 'edit', 'retouch', 'outpaint']) {
      const key = `command.${command}.options.images.description`;
      expect(numbersIn(key, /\((\d+)–(\d+)\)/), key).toEqual(IMAGES);
    }
    // A grid is more than one.
    expect(numbersIn('command.settings.options.images.description', /\((\d+)–(\d+): a grid/)).toEqual([
      LIMITS.images.min + 1,
      LIMITS.images.max,
    ]);
    const [n] = numbersIn('help.flags', /--n (\d+) \(a grid of (?:\d+)/);
    expect(n).toBe(LIMITS.images.max);
    expect(numbersIn('help.web.buttons', /A grid \(--n (\d+)\): 1–(\d+) takes one.*V1–V(\d+)/)).toEqual([
      LIMITS.images.max,
      LIMITS.images.max,
      LIMITS.images.max,
    ]);
  });

  it('the size an upscale draws at', () => {
    const [px] = numbersIn('help.web.buttons', /drawn again at (\d+) px/);
    expect(px).toBe(MAX_SIDE);
    expect(upscaledSize({ width: 512, height: 512 })).toEqual({ width: px, height: px });
  });

  it('flag examples are flags the parser takes, with values inside their limits', () => {
    const flags = /^Flags after the prompt: (.*?)\. Options in braces/.exec(text('help.flags'))?.[1] ?? '';
    // Each example alone (`--cache, --no-cache` name the two switches, not one line), explanations left out.
    const examples = flags.split(/, (?=--)/).map((part) => part.replace(/ \(.*\)$/, ''));
    expect(examples.length).toBeGreaterThan(5);
    for (const example of examples) {
      expect(() => parsePrompt(`a fox ${example}`), example).not.toThrow();
    }
    const prefer = /\/prefer cine (--ar \S+ --steps \d+)/.exec(text('prefer.how'))?.[1] ?? '';
    expect(parsePrompt(`a fox ${prefer}`).flags.aspect).toBeDefined();
    expect(aspectOf(`${MAX_ASPECT}:1`)).toBeDefined();
  });

  it('lists /settings’ names, /outpaint’s sides, region names and edit types as the specs have them', () => {
    const names = optionsOf(settingsSpec).map((o) => o.name);
    const listed = /^Unknown setting \{option\}\. Use (.*?), e\.g\./.exec(
      text('errors.settings.unknown'),
    )?.[1];
    expect(listed?.split(/, | or /).sort()).toEqual([...names].sort());
    for (const name of names) expect(text('settings.how'), name).toContain(`/settings ${name} `);
    const sides = /--pan ([a-z|]+)\]/.exec(text('help.web.images'))?.[1]?.split('|');
    expect(sides).toEqual([...DIRECTIONS]);
    const types = /--type ([a-z_|]+)\|…/.exec(text('help.web.images'))?.[1]?.split('|') ?? [];
    expect(types.length).toBeGreaterThan(0);
    for (const type of types) expect(EDIT_TYPE_CHOICES, type).toContain(type);
    const regions = /name one \(([a-z, -]+)\)/.exec(text('errors.retouch.boxes'))?.[1]?.split(', ');
    expect(regions?.sort()).toEqual(Object.keys(NAMED_REGIONS).sort());
  });
});

/** The numbers a message states, as written outside placeholders, a decimal comma read as a point. */
const statedNumbers = (message: string): string[] =>
  (message.replace(/\{\w+\}/g, '').match(/\d+(?:[.,]\d+)?/g) ?? []).map((n) => n.replace(',', '.'));

describe('every catalog states the numbers en states', () => {
  // A limit changed in en.json (and held against the code above) cannot stay behind in a translation. A translation
  // may write more numbers than en (ja and ko write "1 分", "2 回" where en says "a minute", "twice"), never fewer.
  it.each(SUPPORTED_LOCALES.filter((locale) => locale !== 'en'))('%s', (locale) => {
    const messages = loadCatalog(locale);
    const missing = Object.entries(en).flatMap(([key, message]) => {
      const left = [...statedNumbers(messages[key] ?? '')];
      const lacking = statedNumbers(message).filter((n) => {
        const at = left.indexOf(n);
        if (at >= 0) left.splice(at, 1);
        return at < 0;
      });
      return lacking.length > 0 ? [`${key}: ${lacking.join(' ')}`] : [];
    });
    expect(missing).toEqual([]);
  });
});

describe('a message too long to read names the prompt’s limit', () => {
  // An over-long line (flags typed or none) and a playground body cut short are refused with the limit the code gives
  // them, the prompt's: after their count both say the same, and it states that limit.
  it.each(SUPPORTED_LOCALES)('%s', (locale) => {
    const afterCount = (key: string) => {
      const text = t(locale, key, { length: 5000, limit: MAX_PROMPT_CHARS });
      return text.slice(text.search(/[)）]/) + 1);
    };
    expect(afterCount('errors.line_too_long')).toBe(afterCount('errors.prompt_too_long_cut'));
    expect(afterCount('errors.line_too_long')).toContain(String(MAX_PROMPT_CHARS));
  });
});

/** The formats the engine reads, checked complete by the compiler, as the texts write them. */
const FORMATS = Object.keys({ png: true, jpeg: true, webp: true } satisfies Record<AcceptedFormat, true>);
const FORMAT_NAMES: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP' };

describe('en.json names the image formats the engine reads', () => {
  it.each([
    'errors.engine.image_invalid',
    'errors.engine.image_unsupported',
    'errors.engine.image_empty',
    'errors.engine.image_frames',
    'web.file_type',
  ])('%s', (key) => {
    const named = [...text(key).matchAll(/\b(PNG|JPEG|WebP|GIF|AVIF|HEIC|TIFF|BMP)\b/g)].map((m) => m[1]);
    expect(new Set(named)).toEqual(new Set(FORMATS.map((format) => FORMAT_NAMES[format])));
  });
});

describe('button labels say what the button does', () => {
  it('Zoom out 1.5× and 2× grow the canvas by those factors', async () => {
    const updates: Array<{ job: Job; reply: Reply }> = [];
    const { commands, store } = commandsOnQueue('stated-zoom', { onUpdate: (u) => updates.push(u) });
    const ctx = commands.context({
      user: { platform: 'discord', userId: '1' },
      scope: 'guild:1',
      language: 'en',
    });
    const drawn = await commands.run(ctx, { name: 'imagine', options: { prompt: 'a kite --steps 2' } });
    await expect
      .poll(() => updates.some((u) => u.job.id === drawn.jobId && u.reply.final === true), { timeout: 5000 })
      .toBe(true);
    for (const action of ['zoomout', 'zoomout2']) {
      const [factor] = numbersIn(`button.${action}`, /^Zoom out ([\d.]+)×$/);
      const made = await commands.pressButton(ctx, `${action}:${drawn.jobId}`);
      const request = store.get(made.jobId as string)?.request;
      expect(request?.task, action).toBe('paint');
      const region = request?.task === 'paint' ? request.region : undefined;
      expect(region, action).toMatchObject({ kind: 'extend' });
      expect(region?.kind === 'extend' ? region.left : undefined, action).toBeCloseTo(
        ((factor as number) - 1) / 2,
      );
    }
  });
});
