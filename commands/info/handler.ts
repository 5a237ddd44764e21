// /info (Midjourney's): the user's usage, counted from their finished jobs in the store, and their jobs now.
import { t } from '../../src/i18n.js';
import type { Operation } from '../context.js';
import { formatDuration } from '../render.js';
import type { ReplyText } from '../reply.js';
import { activeJobsOf, runningJobs } from '../stored-jobs.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const info: Operation<unknown> = async (deps, ctx) => {
  const now = deps.now();
  const day = deps.store.usageOf(ctx.user, now - DAY_MS);
  const week = deps.store.usageOf(ctx.user, now - 7 * DAY_MS);
  const all = deps.store.usageOf(ctx.user);
  const order = deps.queue.plannedOrder();
  // Read as /queue reads them: a failure its owner was told of, held back by a refused write, runs no more.
  const { running, waiting } = activeJobsOf(deps, ctx.user, { running: runningJobs(deps), order });
  // No time yet reads as "0 seconds" (formatDuration says at least one).
  const time = (ms: number) =>
    ms < 500 ? t(ctx.locale, 'time.duration.seconds', { count: 0 }) : formatDuration(ctx.locale, ms);
  const text: ReplyText[] = [
    {
      key: 'info.images',
      params: { day: day.images, week: week.images, total: all.images, answers: all.answers },
    },
    { key: 'info.time', params: { day: time(day.ms), total: time(all.ms) } },
    {
      key: 'info.now',
      params: {
        running: running.length,
        waiting: waiting.length,
        queued: order.length,
      },
    },
  ];
  return { text, ephemeral: true };
};
