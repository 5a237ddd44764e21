// Job events as neutral replies: queued (~N ahead, ETA), started, progress (render-progress.ts), done (the PNG,
// seed and buttons), failed (the localized reason), cancelled, paused (the bot restarts, or a shared queue's worker
// stopped). The job's locale travels in `job.meta.locale`; a reply's times and reasons stay raw (`…Ms`, `…Key`
// params) and are worded when rendered, in the reader's language (another browser, a changed /settings language).
import { type Locale, SUPPORTED_LOCALES, t } from '../src/i18n.js';
import { decimalSeconds, durationWords, exactDurationWords } from '../src/i18n-durations.js';
import type { Job, JobEvent, JobStore } from '../src/jobs/index.js';
import { resultContext } from './job-context.js';
import { stoppingReply, withLateCancel } from './late-cancel.js';
import { panRow } from './pan-row.js';
import { previewImage, progressLine } from './render-progress.js';
import { type ButtonAction, buttonId, type Reply, type ReplyButton, type ReplyText } from './reply.js';
import { storedErrorKey } from './stored-error.js';
import { drawsAlike, isRemakeable } from './stored-jobs.js';
import { leftOutLines } from './unused-images.js';
import { upscaledSize } from './upscale-size.js';

export interface RenderDeps {
  store: Pick<JobStore, 'readFile'>;
  defaultLocale: Locale;
  now: () => number;
  /** False until a job has run on this device: the queue's times are then placeholders, and replies give none. */
  paceKnown?: () => boolean;
  /** False while no worker is alive (a shared queue's): a waiting job's reply says so and gives no time. */
  workersRunning?: () => boolean;
  /**
   * Whether a job's image result gets an "Original file" button: on platforms that recompress photos (Telegram),
   * so users can fetch the lossless PNG.
   */
  originalFileButton?: (job: Job) => boolean;
  /** Whether a job's image result shows its main buttons and More ▾ (PlatformProfile.compactResults). */
  compactResults?: (job: Job) => boolean;
  /** Whether the job's platform counts `etaAt` down itself (PlatformProfile.countsDownEta). */
  countsDownEta?: (job: Job) => boolean;
  /** The model is the generated random checkpoint: text answers say they are meaningless, as its images show. */
  randomModel?: boolean;
}

export function localeOf(job: Job, fallback: Locale): Locale {
  const locale = job.meta.locale;
  return (SUPPORTED_LOCALES as readonly unknown[]).includes(locale) ? (locale as Locale) : fallback;
}

/** "12 seconds" / "3 minutes" / "2 hours", in `locale`, for text worded here (a reply's own param takes `…Ms`). */
export function formatDuration(
  locale: Locale,
  ms: number,
  key: 'time.duration' | 'time.in' = 'time.duration',
): string {
  return durationWords(t, locale, ms, key);
}

/** A configured limit as set, not rounded as an ETA is: 90 s stays "90 seconds", 60 s is "1 minute". */
export function formatExactDuration(locale: Locale, ms: number): string {
  return exactDurationWords(t, locale, ms);
}

/**
 * A stored refusal's or failure's params as words: each number named `…Ms` becomes a duration in the user's
 * language under the name without it (`expectedMs: 150000` → `expected: "3 minutes"`; a `limitMs` exactly, as
 * configured). The queue keeps milliseconds because it renders nothing; errors stored before had `minutes`.
 */
export function durationParams(
  locale: Locale,
  params: Readonly<Record<string, string | number>>,
): Record<string, string | number> {
  const out: Record<string, string | number> = { ...params };
  for (const [name, value] of Object.entries(params)) {
    if (!name.endsWith('Ms') || typeof value !== 'number') continue;
    out[name.slice(0, -2)] =
      name === 'limitMs' ? formatExactDuration(locale, value) : formatDuration(locale, value);
  }
  if (typeof params.minutes === 'number' && out.limit === undefined)
    out.limit = formatExactDuration(locale, params.minutes * 60_000);
  return out;
}

/**
 * A failed job's line, its reason (`{reason}` of `reasonKey`) and durations worded when rendered, in the reader's
 * language: the job's own may be another. Errors stored before with `minutes` give their limit in milliseconds.
 */
function failedLine(job: Job): ReplyText {
  const error = job.error ?? { key: 'errors.generic', params: {} };
  // The sentence's own placeholder: a stored param of that name would stand in for the whole reason.
  const { reason: _outer, ...params }: Record<string, string | number> = error.params;
  if (typeof params.minutes === 'number' && params.limitMs === undefined)
    params.limitMs = params.minutes * 60_000;
  return { key: 'job.failed', params: { ...params, reasonKey: storedErrorKey(error.key) } };
}

/** Why a job failed, in `locale`: its stored error (a job stored without one, the general apology). */
export function failureReason(job: Job, locale: Locale): string {
  const error = job.error ?? { key: 'errors.generic', params: {} };
  return t(locale, storedErrorKey(error.key), durationParams(locale, error.params));
}

/** "12.3" or "12,3": one decimal, as the user's language writes it. */
export function formatSeconds(locale: Locale, ms: number): string {
  return decimalSeconds(locale, ms);
}

export function cancelButton(jobId: string): ReplyButton {
  return { id: buttonId('cancel', jobId), labelKey: 'button.cancel', style: 'danger', ownerOnly: true };
}

export interface ResultButtonOptions {
  originalFile?: boolean;
  /** The main rows and More ▾ (PlatformProfile.compactResults); with `expanded`, every row and Less ▴. */
  compact?: boolean;
  expanded?: boolean;
}

export function resultButtons(job: Job, options: ResultButtonOptions = {}): ReplyButton[][] {
  const id = job.id;
  const candidates = job.result?.candidates;
  if (candidates) return gridButtons(job, candidates.length, options);
  // Midjourney's Vary (Subtle / Strong) redraws a share of the picture with its prompt. An /edit has no prompt that
  // describes its result: another try of it is its Re-roll, and a second button for the same job would only puzzle.
  const varies: ReplyButton[] =
    job.request.task === 'image_to_image'
      ? []
      : [
          { id: buttonId('vary', id), labelKey: 'button.vary_subtle', style: 'secondary' },
          { id: buttonId('vary_strong', id), labelKey: 'button.vary_strong', style: 'secondary' },
        ];
  // An /edit's instruction describes a change, not its picture: nothing redraws it by a prompt (Upscale, Vary
  // (Region), Remix).
  const remakeable = isRemakeable(job.request);
  // Midjourney's Upscale (Subtle / Creative), where the picture is below the largest size and has a prompt to draw.
  const { width, height } = job.result ?? {};
  const upscales: ReplyButton[] =
    remakeable && width !== undefined && height !== undefined && upscaledSize({ width, height })
      ? [
          { id: buttonId('upscale_subtle', id), labelKey: 'button.upscale_subtle', style: 'secondary' },
          { id: buttonId('upscale_creative', id), labelKey: 'button.upscale_creative', style: 'secondary' },
        ]
      : [];
  const first: ReplyButton[] = [
    // At --temperature 0 a new seed draws the same picture again: no Re-roll to spend a job on it.
    ...(drawsAlike(job.request)
      ? []
      : [{ id: buttonId('reroll', id), labelKey: 'button.reroll', style: 'primary' as const }]),
    ...varies,
    // Midjourney's Vary (Region): a part redrawn to a prompt, where the user says (asked first).
    ...(remakeable
      ? [{ id: buttonId('vary_region', id), labelKey: 'button.vary_region', style: 'secondary' as const }]
      : []),
  ];
  const second: ReplyButton[] = [
    { id: buttonId('edit', id), labelKey: 'button.edit', style: 'secondary' },
    { id: buttonId('describe', id), labelKey: 'button.describe', style: 'secondary' },
    // Midjourney's Zoom Out 1.5x and 2x.
    { id: buttonId('zoomout', id), labelKey: 'button.zoomout', style: 'secondary' },
    { id: buttonId('zoomout2', id), labelKey: 'button.zoomout2', style: 'secondary' },
    // Midjourney's Custom Zoom: the prompt and any factor from 1.1 to 2, asked first.
    { id: buttonId('zoomcustom', id), labelKey: 'button.zoomcustom', style: 'secondary' },
  ];
  // Midjourney's pan arrows, a row of their own (`pan-row.ts`). Make square has words, too long for a fifth of a
  // phone's width, so it joins the last row (only on a result that is not square).
  const pans = panRow(id, width !== undefined && height !== undefined ? { width, height } : undefined);
  const last: ReplyButton[] = [
    // Midjourney's Remix: the prompt line, every setting spelled out, to change and run.
    ...(remakeable
      ? [{ id: buttonId('remix', id), labelKey: 'button.remix', style: 'secondary' as const }]
      : []),
    ...(width !== undefined && width === height
      ? []
      : [{ id: buttonId('square', id), labelKey: 'button.square', style: 'secondary' as const }]),
    ...(options.originalFile
      ? [{ id: buttonId('original', id), labelKey: 'button.original', style: 'secondary' as const }]
      : []),
    { id: buttonId('delete', id), labelKey: 'button.delete', style: 'danger', ownerOnly: true },
  ];
  // Five rows at most (Discord's limit): the upscales have one of their own, where they are offered.
  const main = [first, ...(upscales.length ? [upscales] : [])];
  const arrows = pans.length ? [pans] : [];
  if (!options.compact) return [...main, second, ...arrows, last];
  if (options.expanded)
    return [
      ...main,
      second,
      ...arrows,
      last,
      [{ id: buttonId('less', id), labelKey: 'button.less', style: 'secondary' }],
    ];
  const deleteButton = last.at(-1) as ReplyButton;
  return [...main, [{ id: buttonId('more', id), labelKey: 'button.more', style: 'secondary' }, deleteButton]];
}

/**
 * A grid (Midjourney's U1–U4 and V1–V4): a number takes its image on its own, where every other button waits; V
 * and a number varies that image (subtly). Re-roll draws a new grid; Remix offers the line with its `--n`.
 */
function gridButtons(job: Job, count: number, options: { originalFile?: boolean }): ReplyButton[][] {
  const id = job.id;
  const numbered = (
    actions: readonly ButtonAction[],
    key: string,
    style: ReplyButton['style'],
  ): ReplyButton[] =>
    actions.slice(0, count).map((action, i) => ({
      id: buttonId(action, id),
      labelKey: `button.${key}`,
      hintKey: `hint.${key}`,
      params: { n: i + 1 },
      style,
    }));
  // An /edit's grid has neither: its instruction describes no picture to vary, nor a line to remix.
  const remakeable = isRemakeable(job.request);
  return [
    numbered(['pick_1', 'pick_2', 'pick_3', 'pick_4'], 'pick', 'primary'),
    ...(remakeable ? [numbered(['vary_1', 'vary_2', 'vary_3', 'vary_4'], 'vary_pick', 'secondary')] : []),
    [
      { id: buttonId('reroll', id), labelKey: 'button.reroll', style: 'secondary' },
      ...(remakeable
        ? [{ id: buttonId('remix', id), labelKey: 'button.remix', style: 'secondary' as const }]
        : []),
      ...(options.originalFile
        ? [{ id: buttonId('original', id), labelKey: 'button.original', style: 'secondary' as const }]
        : []),
      { id: buttonId('delete', id), labelKey: 'button.delete', style: 'danger', ownerOnly: true },
    ],
  ];
}

/** A finished image's line: its time and seed, a grid's seeds, or which image of a grid it was taken from. */
function imageDoneLine(job: Job, secondsMs: number, seed: number): ReplyText {
  const candidates = job.result?.candidates;
  const pick = job.meta.pick;
  if (candidates)
    return {
      key: 'job.done_grid',
      params: { secondsMs, first: seed, last: candidates.at(-1)?.seed ?? seed },
    };
  if (typeof pick === 'number') return { key: 'job.picked', params: { n: pick, seed } };
  return { key: 'job.done', params: { secondsMs, seed } };
}

function promptOf(job: Job): string | undefined {
  const r = job.request;
  return r.task === 'understand' ? r.question : r.prompt;
}

/** What names a job to its owner in a list: its prompt (or question), else its command. */
export function jobTitle(job: Job, maxChars: number): string {
  return shortText(promptOf(job) || `/${job.kind}`, maxChars);
}

/** `text` within `maxChars` UTF-16 units (what JavaScript and the platforms count), `…` where cut, no character split. */
export function shortText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > maxChars - 1) break;
    out += char;
  }
  return `${out}…`;
}

/**
 * A result image's description: its prompt, within Discord's 1024 for an attachment, cut between whole characters
 * (half an emoji is invalid UTF-16, which a platform refuses with the image).
 */
function altText(job: Job): string | undefined {
  const prompt = promptOf(job);
  return prompt === undefined ? undefined : shortText(prompt, 1000);
}
const PERMUTATION_PROMPT_CHARS = 200;

/**
 * Which line of a permutation prompt a job draws ("2 of 3: a blue bird --ar 16:9"), on every message of it: its siblings'
 * messages look alike otherwise.
 */
function permutationLines(job: Job): ReplyText[] {
  const place = job.meta.permutation as { n?: unknown; of?: unknown; line?: unknown } | undefined;
  if (typeof place?.n !== 'number' || typeof place.of !== 'number') return [];
  // The whole line: two jobs may differ only in a flag (`--ar {1:1, 16:9}`).
  const prompt = typeof place.line === 'string' ? place.line : (promptOf(job) ?? '');
  // The line shares a Telegram caption (1024 characters) with the rest of the message.
  const shown = shortText(prompt, PERMUTATION_PROMPT_CHARS);
  return [{ key: 'job.permutation', params: { n: place.n, total: place.of, prompt: shown } }];
}

/** The job's meta saying an /imagine drew from the user's image (imagine/handler.ts). */
export const IMAGE_AS_SUBJECT = 'imageAsSubject';

/** While it waits, a job that drew from the user's image says how it used it: the user asked for an /imagine. */
function imageUseLines(job: Job): ReplyText[] {
  return job.meta[IMAGE_AS_SUBJECT] === true ? [{ key: 'job.image_as_subject' }] : [];
}

/**
 * The reply for a job that is waiting: how many jobs run before it, and when it should be ready (or that no worker
 * is alive to run it). `readyMs`: until its run ends (the queue's `endMs`), which for a batched job is the whole
 * run's end, not its start plus its own share.
 */
export function renderQueued(job: Job, ahead: number, readyMs: number, deps: RenderDeps): Reply {
  const base = {
    buttons: [[cancelButton(job.id)]],
    jobId: job.id,
    ephemeral: job.meta.private === true,
    ahead,
  };
  // What the job carries (its permutation, how its images are used, what was left out), above the waiting line.
  const about = [...permutationLines(job), ...imageUseLines(job), ...leftOutLines(job)];
  // It waits for a worker to start, however long that takes: no time is given.
  if (deps.workersRunning?.() === false)
    return { ...base, text: [...about, { key: 'job.queued_no_worker', params: { count: ahead } }] };
  if (deps.paceKnown?.() === false)
    return { ...base, text: [...about, { key: 'job.queued_unmeasured', params: { count: ahead } }] };
  const etaAt = deps.now() + readyMs;
  // One figure: where the platform counts down to `etaAt`, the line's own would stay as it was while that ticks.
  if (deps.countsDownEta?.(job))
    return { ...base, text: [...about, { key: 'job.queued_unmeasured', params: { count: ahead } }], etaAt };
  return {
    ...base,
    // Milliseconds, worded when the line is rendered: in the reader's language, which may not be the job's.
    text: [...about, { key: 'job.queued', params: { count: ahead, etaMs: readyMs } }],
    etaAt,
  };
}

/** Turns one job event into the reply that should replace the job's message. */
export async function renderEvent(event: JobEvent, deps: RenderDeps): Promise<Reply> {
  if (event.type === 'queued' || event.type === 'position')
    return renderQueued(event.job, event.ahead, event.endMs, deps);
  const reply = withLateCancel(event, await renderStage(event, deps));
  return { ...reply, text: [...permutationLines(event.job), ...reply.text, ...leftOutLines(event.job)] };
}

async function renderStage(
  event: Exclude<JobEvent, { type: 'queued' | 'position' }>,
  deps: RenderDeps,
): Promise<Reply> {
  const { job } = event;
  const base = { jobId: job.id, ephemeral: job.meta.private === true };
  switch (event.type) {
    case 'started': {
      // Asked to cancel while it waited, as a shared queue's worker took it (the cancel marks a waiting job too):
      // "Stopping…" until "Cancelled.", as its progress says, never "Started" with a Cancel to press again.
      const stopping = stoppingReply(job, base);
      if (stopping) return stopping;
      const buttons = [[cancelButton(job.id)]];
      if (deps.paceKnown?.() === false) return { ...base, text: [{ key: 'job.running_now' }], buttons };
      const etaAt = deps.now() + event.etaMs;
      if (deps.countsDownEta?.(job)) return { ...base, text: [{ key: 'job.running_now' }], buttons, etaAt };
      return { ...base, text: [{ key: 'job.started', params: { etaMs: event.etaMs } }], buttons, etaAt };
    }
    case 'progress': {
      // A user who turned previews off gets none on any platform (and nothing is even encoded).
      const images =
        event.preview && job.meta.previews !== false ? [await previewImage(event.preview)] : undefined;
      // Its owner asked to cancel (the queue marks the job at once): it says so until "Cancelled." arrives, with
      // no Cancel to press again, rather than its steps as if no one had asked.
      return (
        stoppingReply(job, { ...base, images }) ?? {
          ...base,
          text: [progressLine(event)],
          images,
          buttons: [[cancelButton(job.id)]],
        }
      );
    }
    case 'done': {
      // Milliseconds, written as a decimal when rendered, in the reader's language (`{seconds}` of `secondsMs`). A
      // job stored without its measured time counts by the wall clock, which may have stepped back meanwhile.
      const secondsMs = job.measuredMs ?? Math.max(0, (job.finishedAt ?? 0) - (job.startedAt ?? 0));
      const seed = job.result?.seed ?? 0;
      if (job.result?.text !== undefined) {
        // An answer with nothing readable left (a random model's invalid bytes are dropped) still says something.
        const text: ReplyText[] = job.result.text.trim()
          ? [{ key: 'job.answer', params: { text: job.result.text } }]
          : [{ key: 'job.answer_empty' }];
        if (deps.randomModel) text.push({ key: 'job.answer_random_model' });
        return {
          ...base,
          final: true,
          outcome: 'done',
          text,
          context: resultContext(job),
          buttons: [
            [
              // Midjourney's describe → imagine: the answer as a prompt, at the described picture's shape.
              ...(job.result.text.trim()
                ? [{ id: buttonId('imagine', job.id), labelKey: 'button.imagine', style: 'primary' as const }]
                : []),
              { id: buttonId('delete', job.id), labelKey: 'button.delete', style: 'danger', ownerOnly: true },
            ],
          ],
        };
      }
      const file = job.result?.file;
      return {
        ...base,
        final: true,
        outcome: 'done',
        text: [imageDoneLine(job, secondsMs, seed)],
        images: file
          ? [
              {
                data: new Uint8Array(deps.store.readFile(job.id, file)),
                filename: `dimoo-${seed}.png`,
                mime: 'image/png',
                alt: altText(job),
                source: { jobId: job.id, file },
              },
            ]
          : undefined,
        buttons: resultButtons(job, {
          originalFile: deps.originalFileButton?.(job),
          compact: deps.compactResults?.(job),
        }),
        context: resultContext(job),
      };
    }
    case 'failed':
      return { ...base, final: true, outcome: 'failed', text: [failedLine(job)] };
    case 'cancelled':
      return { ...base, final: true, outcome: 'cancelled', text: [{ key: 'job.cancelled' }] };
    case 'paused':
      // Asked to cancel as its (shared queue's) worker was lost or stopped: the cancel still ends it wherever it runs
      // next, so it says "stopping". Else shown at once: the last word before the bot stops (Cancel works once it is
      // back), or a shared worker stopping, after which the next worker's started and progress take the message.
      return (
        stoppingReply(job, base) ?? {
          ...base,
          text: [{ key: pausedKey(event, deps) }],
          buttons: [[cancelButton(job.id)]],
          urgent: true,
          ...(event.corrects && { corrects: true }),
        }
      );
  }
}

function pausedKey(event: Extract<JobEvent, { type: 'paused' }>, deps: RenderDeps): string {
  // Its worker stopped and none is left: one line says both, as no time can be given (the queue tells it again
  // when the workers change).
  const workerGone = event.reason === 'worker' || event.reason === 'worker_lost';
  if (workerGone && deps.workersRunning?.() === false) return 'job.paused_no_worker';
  if (event.reason === 'worker') return 'job.paused_worker';
  if (event.reason === 'worker_lost') return 'job.paused_worker_lost';
  return event.restarts ? 'job.paused_restart' : 'job.paused_waiting';
}
