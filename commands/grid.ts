// A grid's images (`--n 2`–`4` on /imagine, /edit, /retouch or /outpaint; Midjourney's U1–U4): each can be taken on
// its own, a result of its own with every button. Nothing is drawn again: the image is exactly what its seed draws
// alone, so the picked job is stored finished, with the grid's inputs, as the same command with `--seed <its seed>`
// makes it.
import { readImageHeader } from '../engine/index.js';
import { insertFinishedImage } from '../src/jobs/index.js';
import type { Operation } from './context.js';
import { UserInputError } from './errors.js';
import { renderEvent } from './render.js';
import { inputFiles, jobOf } from './stored-jobs.js';
import { jobMeta } from './submit.js';

/** Image `n` (1-based, reading order) of a finished grid, as a result of the presser's own. */
export function pick(n: number): Operation<string> {
  return async (deps, ctx, jobId) => {
    const grid = jobOf(deps.store, jobId);
    const candidate = grid.status === 'done' ? grid.result?.candidates?.[n - 1] : undefined;
    const request = grid.request;
    if (!candidate || request.task === 'understand') throw new UserInputError('errors.button.not_available');
    // Taken again (a second tab, a press a platform delivered twice): the image is the one already taken, not a copy.
    const taken = deps.store.takenFrom(ctx.user, grid.id, n);
    if (taken) return renderEvent({ type: 'done', job: taken }, deps.render);
    const { count: _count, ...one } = request;
    const png = new Uint8Array(deps.store.readFile(grid.id, candidate.file));
    const { width, height } = readImageHeader(png);
    const job = insertFinishedImage(
      deps.store,
      {
        owner: ctx.user,
        scope: ctx.scope,
        kind: grid.kind,
        request: { ...one, seed: candidate.seed },
        files: inputFiles(deps.store, grid),
        meta: jobMeta(ctx, { origin: grid.id, pick: n, paint: grid.meta.paint }),
      },
      { png, seed: candidate.seed, width, height },
      { startedAt: grid.startedAt, finishedAt: deps.now(), measuredMs: grid.measuredMs },
    );
    return renderEvent({ type: 'done', job }, deps.render);
  };
}
