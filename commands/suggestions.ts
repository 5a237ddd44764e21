// What a platform may offer while an option is being typed (Discord's autocomplete): the user's own waiting and
// running jobs for /cancel, their custom options for /prefer, the regions /retouch names. An option names its
// source in its schema's meta (`suggest`); the labels are the user's own words or typed tokens (region names are
// English in every language, as flags are), so nothing here needs a catalog.
import type { Job } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import { customOptionName } from './custom-options.js';
import type { CommandDeps } from './deps.js';
import { NAMED_REGIONS } from './regions.js';
import { jobTitle, shortText } from './render.js';
import { type CommandSpec, optionsOf } from './spec.js';
import { activeJobsOf } from './stored-jobs.js';

export interface Suggestion {
  /** What the user sees, at most `MAX_SUGGESTION_CHARS`. */
  label: string;
  /** What the option then holds. */
  value: string;
}

/** Discord's limits: 25 choices, each name and value at most 100 characters. */
export const MAX_SUGGESTIONS = 25;
export const MAX_SUGGESTION_CHARS = 100;

/** The suggestions for `option` of `spec` as typed so far: those whose label or value holds the typed text. */
export function suggestionsFor(
  deps: CommandDeps,
  ctx: CommandContext,
  spec: CommandSpec,
  option: string,
  typed: string,
): Suggestion[] {
  const source = optionsOf(spec).find((o) => o.name === option)?.meta.suggest;
  if (!source) return [];
  if (source === 'regions') return regions(typed);
  const all = source === 'own_jobs' ? ownJobs(deps, ctx) : customOptions(ctx);
  // An option typed with its dashes is found by its name.
  const needle = customOptionName(typed);
  return all
    .filter(
      (s) =>
        needle === '' || s.value.toLowerCase().startsWith(needle) || s.label.toLowerCase().includes(needle),
    )
    .slice(0, MAX_SUGGESTIONS)
    .map((s) => ({ label: shortText(s.label, MAX_SUGGESTION_CHARS), value: s.value }));
}

/** Numbered as /queue numbers them. */
function ownJobs(deps: CommandDeps, ctx: CommandContext): Suggestion[] {
  const { running, waiting } = activeJobsOf(deps, ctx.user);
  return [
    ...running.map((job, i) => jobSuggestion(job, `▶️ ${i + 1}.`)),
    ...waiting.map((job, i) => jobSuggestion(job, `⏳ ${running.length + i + 1}.`)),
  ];
}

function jobSuggestion(job: Job, mark: string): Suggestion {
  return { label: `${mark} ${job.id.slice(0, 8)} · ${jobTitle(job, MAX_SUGGESTION_CHARS)}`, value: job.id };
}

function customOptions(ctx: CommandContext): Suggestion[] {
  const options = ctx.settings.options ?? {};
  return Object.keys(options)
    .sort()
    .map((name) => ({ label: `--${name}: ${options[name]}`, value: name }));
}

/**
 * The region names that complete the last of a list (`center; t` → `center; top`, `center; top-left`, …), the list
 * before it kept; nothing once the last item is a box of fractions.
 */
function regions(typed: string): Suggestion[] {
  const split = /^(.*[;,\s])?([^;,\s]*)$/.exec(typed);
  const head = split?.[1] ?? '';
  const last = (split?.[2] ?? '').toLowerCase();
  if (/\d/.test(last) || head.length + MAX_REGION_NAME > MAX_SUGGESTION_CHARS) return [];
  return Object.keys(NAMED_REGIONS)
    .filter((name) => name.startsWith(last))
    .map((name) => ({ label: `${head}${name}`, value: `${head}${name}` }));
}

const MAX_REGION_NAME = Math.max(...Object.keys(NAMED_REGIONS).map((name) => name.length));
