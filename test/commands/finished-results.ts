// Finished results stored without the engine (as taking a grid's image stores one), for the tests of what a typed
// reply to a result, or an answer to one of its buttons, makes of it.
import { encodePng } from '../../engine/index.js';
import {
  insertFinishedImage,
  type JobStore,
  type Owner,
  type Scope,
  type StoredRequest,
} from '../../src/jobs/index.js';

/** An /imagine of `prompt` at 512², seed 3. */
export const imagineRequest = (prompt: string): Extract<StoredRequest, { task: 'text_to_image' }> => ({
  task: 'text_to_image',
  prompt,
  width: 512,
  height: 512,
  seed: 3,
});

type PaintRequest = Extract<StoredRequest, { task: 'paint' }>;

/** A paint of "sky" over the job's input picture in `region` (by default /outpaint's quarter on each side), seed 4. */
export const skyPainted = (
  region: PaintRequest['region'] = {
    kind: 'extend',
    left: 0.25,
    top: 0.25,
    right: 0.25,
    bottom: 0.25,
  },
): PaintRequest => ({ task: 'paint', prompt: 'sky', image: { file: 'input.png' }, region, seed: 4 });

/**
 * A 32² grey `png`, and `finished(request)`, which stores a finished job of `request` for `owner` in `scope` (a
 * paint's kind `paint`, a text-to-image's `imagine`: the only two a finished image comes from here) with `png` as its input (none where `input` is false) and its result
 * (of `seed`, 3 unless given), finished at 1, and gives its id.
 */
export async function finishedResults(store: JobStore, owner: Owner, scope: Scope) {
  const png = await encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) });
  const finished = (
    request: Extract<StoredRequest, { task: 'text_to_image' | 'paint' }>,
    { input = true, seed = 3 } = {},
  ): string =>
    insertFinishedImage(
      store,
      {
        owner,
        scope,
        kind: request.task === 'paint' ? 'paint' : 'imagine',
        request,
        files: input ? { 'input.png': png } : {},
      },
      { png, seed, width: 32, height: 32 },
      { finishedAt: 1 },
    ).id;
  return { png, finished };
}
