// Button presses: the id is `<action>:<jobId>` (reply.ts), and each action has one handler here. The record is
// typed by `ButtonAction`, so a new action does not compile until it has a handler.
import { deleteJobFiles, ownerKey } from '../src/jobs/index.js';
import { cancel } from './cancel/handler.js';
import type { Operation } from './context.js';
import {
  describeResult,
  imagineAnswer,
  originalFile,
  pan,
  reroll,
  zoomLineOf,
  zoomOut,
} from './follow-ups.js';
import { pick } from './grid.js';
import { judgeStoredImage } from './inputs.js';
import { queueCancel } from './queue/cancel.js';
import { queueRefresh } from './queue/refresh.js';
import { localeOf, resultButtons } from './render.js';
import { type ButtonAction, parseButtonId, textReply } from './reply.js';
import { remixLineOf } from './rerun.js';
import { imageJob, resultBytes } from './stored-jobs.js';
import { upscale } from './upscale.js';
import { vary } from './vary.js';
import { regionAsk } from './vary-region.js';

const BUTTON_HANDLERS: Record<ButtonAction, Operation<string>> = {
  reroll,
  vary: vary('subtle'),
  vary_strong: vary('strong'),
  vary_1: vary('subtle', 1),
  vary_2: vary('subtle', 2),
  vary_3: vary('subtle', 3),
  vary_4: vary('subtle', 4),
  /** Midjourney's Vary (Region): a /retouch line for a part of the result comes back through `answerAsk`. */
  vary_region: async (deps, _ctx, jobId) => {
    const ask = regionAsk(deps.store, jobId);
    // A result past 8:1 (an older version's pan) is refused now, not once the question is answered.
    judgeStoredImage(resultBytes(deps.store, jobId), deps.config.limits);
    return { text: [], ask };
  },
  upscale_subtle: upscale('subtle'),
  upscale_creative: upscale('creative'),
  describe: (deps, ctx, jobId) => describeResult(deps, ctx, { jobId }),
  zoomout: zoomOut(1.5),
  zoomout2: zoomOut(2),
  pan_left: pan('left'),
  pan_right: pan('right'),
  pan_up: pan('up'),
  pan_down: pan('down'),
  square: pan('square'),
  pick_1: pick(1),
  pick_2: pick(2),
  pick_3: pick(3),
  pick_4: pick(4),
  imagine: imagineAnswer,
  /** Midjourney's Remix: the prompt line to change comes back through `answerAsk`. */
  remix: async (deps, ctx, jobId) => ({
    text: [],
    ask: {
      kind: 'imagine_line',
      jobId,
      titleKey: 'ask.remix.title',
      labelKey: 'ask.remix.label',
      value: remixLineOf(deps.store, ctx, jobId),
    },
  }),
  /** Midjourney's Custom Zoom: the prompt and `--zoom` to change come back through `answerAsk`. */
  zoomcustom: async (deps, _ctx, jobId) => ({
    text: [],
    ask: {
      kind: 'zoom_line',
      jobId,
      titleKey: 'ask.zoom.title',
      labelKey: 'ask.zoom.label',
      value: zoomLineOf(deps.store, jobId),
    },
  }),
  original: originalFile,
  cancel: (deps, ctx, jobId) => cancel(deps, ctx, { job: jobId }),
  /** Pressed on the /queue list, not on the job's message: answered with the list as it now stands. */
  queue_cancel: queueCancel,
  /** Pressed on the /queue list: the list again, positions and times as they now stand, for its owner. */
  queue_refresh: queueRefresh,
  more: resultRows(true),
  less: resultRows(false),
  /** Asks for the instruction first; the answer comes back through `editResult`. */
  edit: async (deps, _ctx, jobId) => {
    resultBytes(deps.store, jobId);
    return {
      text: [],
      ask: { kind: 'edit_instruction', jobId, titleKey: 'ask.edit.title', labelKey: 'ask.edit.label' },
    };
  },
  delete: async (deps, ctx, jobId) => {
    const job = deps.store.get(jobId);
    if (!job) return textReply('errors.job.not_found');
    if (ownerKey(job.owner) !== ownerKey(ctx.user) && !ctx.isAdmin)
      return textReply('errors.button.owner_only');
    // The record stays (fair share and /info count it) but is gone from what shows results again: the
    // playground's history after a reload and its `..` line; its stored inputs and results are removed, and a
    // follow-up says it was deleted. A running job's record is the queue's to write.
    if (job.status !== 'queued' && job.status !== 'running') {
      if (job.meta.deleted !== true) deps.store.update({ ...job, meta: { ...job.meta, deleted: true } });
      deleteJobFiles(deps.store, job.id, deps.now());
    }
    return { text: [], deleteSource: true, jobId };
  },
};

/**
 * More ▾ and Less ▴ under a compact result: the same message with every row, or with the main ones again. Only
 * where the platform shows compact results, and only on a finished image result.
 */
function resultRows(expanded: boolean): Operation<string> {
  return async (deps, ctx, jobId) => {
    const job = imageJob(deps.store, jobId);
    const profile = deps.profile(ctx.user.platform);
    if (!profile.compactResults || job.status !== 'done' || job.result?.candidates)
      return textReply('errors.button.not_available');
    const buttons = resultButtons(job, { originalFile: profile.originalFileButton, compact: true, expanded });
    const locale = localeOf(job, deps.config.defaultLocale);
    return { text: [], buttons, replaceButtons: true, jobId, locale };
  };
}

/** Dispatches a button press (`<action>:<jobId>`). */
export const pressButton: Operation<string> = async (deps, ctx, id) => {
  const parsed = parseButtonId(id);
  if (!parsed) return textReply('errors.button.unknown');
  return BUTTON_HANDLERS[parsed.action](deps, ctx, parsed.jobId);
};
