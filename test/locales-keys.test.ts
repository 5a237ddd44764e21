// The catalogs hold the keys the code says, no fewer and no more: a key the code names but en.json lacks shows the
// user the bare key, and a key no code names is text no one reads (nor keeps true). Keys are named two ways: as a
// literal ('errors.prompt_empty'), found by reading the product sources, and built from a part the code holds
// (`errors.engine.${code}`), each such family listed below with the values its part takes, from the code's own
// tables where it has one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MENUS } from '../adapters/discord/command-json.js';
import { DEFAULT_STEPS } from '../commands/job-context.js';
import { COMMAND_REGISTRY } from '../commands/registry.js';
import { descriptionKey, optionDescriptionKey, optionNameKey, optionsOf } from '../commands/spec.js';
import { RETIRED_ERROR_KEYS } from '../commands/stored-error.js';
import type { EngineErrorCode } from '../engine/index.js';
import { loadCatalog, SUPPORTED_LOCALES } from '../src/i18n.js';
import type { DurationWording } from '../src/i18n-durations.js';
import type { JobStatus } from '../src/jobs/types.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const english = loadCatalog('en');
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;
/** A key as looked up: a plural family (`job.queued`) stands for its variants. */
const lookedUp = (key: string) => key.replace(PLURAL_SUFFIX, '');
const englishLookups = new Set(Object.keys(english).map(lookedUp));
/** Keys removed from the catalogs that stored rows may still hold (commands/stored-error.ts). */
const retired = new Set(Object.keys(RETIRED_ERROR_KEYS));

/** Every value of a string union, checked complete (and no more) by the compiler. */
const valuesOf = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];

/** `errors.engine.${error.code}` (commands/guard.ts, src/jobs/job-failure.ts, adapters/web/image-limits.ts). */
const ENGINE_CODES = valuesOf<EngineErrorCode>({
  checkpoint_missing: true,
  checkpoint_invalid: true,
  device_unavailable: true,
  bad_request: true,
  image_invalid: true,
  image_frames: true,
  image_too_large: true,
  image_unsupported: true,
  image_empty: true,
  image_too_small: true,
  image_aspect: true,
  cancelled: true,
  out_of_memory: true,
  device_memory: true,
  internal: true,
});

/** `job.${job.status}`: an undelivered ending with neither answer nor file (commands/queue/handler.ts). */
const JOB_STATUSES = valuesOf<JobStatus>({
  queued: true,
  running: true,
  done: true,
  failed: true,
  cancelled: true,
});

/** `${wording}.${unit}` (src/i18n-durations.ts, and the playground's countdown.js for time.duration). */
const DURATION_WORDINGS = valuesOf<DurationWording>({ 'time.duration': true, 'time.in': true });
const DURATION_UNITS = ['seconds', 'minutes', 'hours'];

/**
 * `button.${action}` and `hint.${action}` for the pan arrows, and `button.${key}` / `hint.${key}` for a grid's
 * numbered rows (commands/render.ts).
 */
const HINTED_BUTTONS = ['pan_left', 'pan_right', 'pan_up', 'pan_down', 'pick', 'vary_pick'];

/**
 * `web.task.${kind}`, or `web.task.${paint}` for a paint job with its `meta.paint` (adapters/web/render.ts,
 * commands/job-context.ts): the engine's tasks but image_to_image (`web.task.edit`, a literal, with its edit type's
 * `choice.edit_type.*` label), and what each paint job is (vary.ts, retouch, outpaint, upscale.ts; a Vary by its
 * strength).
 */
const WEB_TASKS = [
  ...Object.keys(DEFAULT_STEPS).filter((task) => task !== 'image_to_image'),
  'vary',
  'vary_subtle',
  'vary_strong',
  'retouch',
  'outpaint',
  'upscale',
  'upscale_subtle',
  'upscale_creative',
];

/** Keys named by a prefix and a part the code holds, each family as its code builds it. */
function builtKeys(): string[] {
  const keys = [
    ...ENGINE_CODES.map((code) => `errors.engine.${code}`),
    ...JOB_STATUSES.map((status) => `job.${status}`),
    ...DURATION_WORDINGS.flatMap((wording) => DURATION_UNITS.map((unit) => `${wording}.${unit}`)),
    ...HINTED_BUTTONS.flatMap((action) => [`button.${action}`, `hint.${action}`]),
    ...WEB_TASKS.map((task) => `web.task.${task}`),
    // adapters/discord/command-json.ts: the message menus.
    ...MENUS.map((id) => `menu.${id}.name`),
  ];
  for (const spec of COMMAND_REGISTRY.specs) {
    // Discord's and Telegram's command lists, /help's lines (commands/spec.ts, adapters/discord/command-json.ts).
    keys.push(`command.${spec.name}.name`, descriptionKey(spec.name));
    for (const option of optionsOf(spec)) {
      keys.push(optionDescriptionKey(spec.name, option.name));
      // A typed-only option is no platform option, so it has no localized option name.
      if (!option.typedOnly) keys.push(optionNameKey(spec.name, option.name));
      // `${labelPrefix}.${value}`: a choice's label (commands/spec.ts).
      for (const choice of option.choices ?? []) if (choice.labelKey) keys.push(choice.labelKey);
    }
  }
  return keys;
}

/** What a family's prefix is, when the code names the prefix alone (`labelPrefix: 'choice.edit_type'`). */
function familyPrefixes(): Set<string> {
  const prefixes = new Set<string>(DURATION_WORDINGS);
  for (const spec of COMMAND_REGISTRY.specs) {
    for (const option of optionsOf(spec)) if (option.meta.labelPrefix) prefixes.add(option.meta.labelPrefix);
  }
  return prefixes;
}

function productFiles(folder: string): string[] {
  return readdirSync(join(root, folder)).flatMap((name) => {
    const path = join(root, folder, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : productFiles(join(folder, name));
    return /\.(ts|js|html)$/.test(name) && !name.endsWith('.d.ts') ? [join(folder, name)] : [];
  });
}

const FOLDERS = ['adapters', 'commands', 'engine', 'src'];
/**
 * The playground's scripts and page (every file of adapters/web/public/, not app.js alone): they also hold CSS
 * selectors of a key's shape (`'button.undo'`, `'li.bot'`), so only literals of the namespaces /api/info sends them
 * words from are keys there (locales.test.ts checks their lookups too: tr('…'), data-i18n).
 */
const PAGE = /^adapters\/web\/public\//;
const PAGE_NAMESPACES = new Set(['web', 'time', 'errors']);
/** A file's name, not a key (`'config.json'`, `'result.png'`, `'discord.js'`). */
const FILE_NAME = /\.(js|json|png|ts|html|css|txt)$/;

/** Key-shaped quoted literals of a file, outside comments: `'errors.prompt_empty'`, `"web.title"`. */
function literalsOf(file: string): string[] {
  const code = readFileSync(join(root, file), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line))
    .join('\n');
  return [...code.matchAll(/(['"`])([a-zA-Z][\w-]*(?:\.[\w-]+)+)\1/g)].map((m) => m[2] as string);
}

const sources = FOLDERS.flatMap(productFiles).map((file) => ({ file, literals: literalsOf(file) }));
const namespaces = new Set(Object.keys(english).map((key) => key.split('.')[0]));

describe('catalog keys and the code', () => {
  it('reads the product sources and the families it checks', () => {
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.flatMap((s) => s.literals)).toContain('errors.prompt_empty');
    // Every script of the playground is read, each module's keys with it.
    const page = sources.filter(({ file }) => PAGE.test(file)).map(({ file }) => file.split('/').pop());
    expect(page).toEqual(expect.arrayContaining(['app.js', 'connection.js', 'older.js', 'index.html']));
    expect(builtKeys()).toContain('errors.engine.image_too_large');
    expect(builtKeys()).toContain('choice.edit_type.canny_control');
  });

  it('en has every key the code builds from a part it holds', () => {
    const missing = builtKeys().filter((key) => !englishLookups.has(key));
    expect(missing).toEqual([]);
  });

  it('en has every key the code names as a literal', () => {
    const prefixes = familyPrefixes();
    const keyNamespaces = (file: string) => (PAGE.test(file) ? PAGE_NAMESPACES : namespaces);
    const missing = sources.flatMap(({ file, literals }) =>
      literals
        .filter(
          (literal) => keyNamespaces(file).has(literal.split('.')[0] as string) && !FILE_NAME.test(literal),
        )
        .filter((literal) => !englishLookups.has(literal) && !prefixes.has(literal) && !retired.has(literal))
        .map((literal) => `${file}: ${literal}`),
    );
    expect(missing).toEqual([]);
  });

  it('en has no retired key (named in code only to render rows of earlier versions by its successor)', () => {
    expect([...retired].filter((key) => englishLookups.has(key))).toEqual([]);
    expect(Object.values(RETIRED_ERROR_KEYS).filter((key) => !englishLookups.has(key))).toEqual([]);
  });

  it('en has no key that no code names', () => {
    const named = new Set([...sources.flatMap((s) => s.literals), ...builtKeys()]);
    const dead = Object.keys(english).filter((key) => !named.has(key) && !named.has(lookedUp(key)));
    expect(dead).toEqual([]);
  });

  it.each(SUPPORTED_LOCALES)(
    '%s has only keys en has (a plural variant of one of its families)',
    (locale) => {
      const extra = Object.keys(loadCatalog(locale)).filter((key) => !englishLookups.has(lookedUp(key)));
      expect(extra).toEqual([]);
    },
  );
});
