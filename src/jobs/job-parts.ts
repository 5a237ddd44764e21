// Pieces both queues (embedded and distributed) build jobs from: a new job record, its stored images read back
// into an engine request, and an engine result turned into the job's result (the PNG written where the queue keeps
// files).
import {
  decodeImage,
  decodeMaskFile,
  type EngineRequest,
  type EngineResult,
  encodePng,
  type RgbImage,
  readMask,
  WIDEST_EXTENDABLE_ASPECT,
} from '../../engine/index.js';
import { removeFilesQuietly } from './job-transitions.js';
import type { SubmitInput } from './queue-types.js';
import type { JobStore } from './store.js';
import type { Job, Priority } from './types.js';
import { isStoredImage } from './types.js';

export function newJob(
  input: SubmitInput,
  fields: { id: string; seq: number; estimatedCost: number; defaultPriority: Priority; createdAt: number },
): Job {
  return {
    id: fields.id,
    seq: fields.seq,
    owner: input.owner,
    scope: input.scope,
    kind: input.kind,
    request: input.request,
    meta: input.meta ?? {},
    priority: input.priority ?? fields.defaultPriority,
    status: 'queued',
    attempts: 0,
    estimatedCost: fields.estimatedCost,
    createdAt: fields.createdAt,
  };
}

/** The stored request with each `{ file }` replaced by the decoded image `read` returns for it. */
export async function materializeRequest(
  job: Job,
  read: (name: string) => Uint8Array | Promise<Uint8Array>,
  maxPixels = 40_000_000,
): Promise<EngineRequest> {
  const pending: Array<Promise<void>> = [];
  const masks: Array<{ holder: Partial<RgbImage>; rgba: ReturnType<typeof decodeMaskFile> }> = [];
  // An outpaint's source may be past 8:1 (Make square of an older version's long pan, commands/outpaint): the front
  // judged it, and the canvas the engine draws is what must be a usable shape.
  const sourceShape =
    job.request.task === 'paint' && job.request.region.kind === 'extend'
      ? { maxAspect: WIDEST_EXTENDABLE_ASPECT }
      : {};
  const request = JSON.parse(JSON.stringify(job.request), (key, value) => {
    if (!isStoredImage(value)) return value;
    const holder: Partial<RgbImage> = {};
    const bytes = Promise.resolve(read(value.file));
    // The one stored image under the name `mask` is a paint region's (types.ts: ReplaceField); its transparency
    // reads against the picture it belongs to (readMask), so it is read once that picture is decoded.
    if (key === 'mask') {
      const rgba = bytes.then((b) => decodeMaskFile(b, { maxPixels }));
      masks.push({ holder, rgba });
      pending.push(rgba.then(() => undefined));
    } else {
      pending.push(
        bytes
          .then((b) => decodeImage(b, { maxPixels, ...(key === 'image' ? sourceShape : {}) }))
          .then((image) => {
            Object.assign(holder, image);
          }),
      );
    }
    return holder;
  }) as EngineRequest;
  await Promise.all(pending);
  for (const { holder, rgba } of masks) {
    // A mask is only ever a paint region's, whose request holds the picture beside it.
    if (request.task !== 'paint') throw new Error(`a mask in a ${request.task} request`);
    Object.assign(holder, readMask(await rgba, request.image));
  }
  return request;
}

/**
 * Sets `job.result` from the engine's result; an image is written as `result.png` through `write`, and each of
 * several images (their grid is `result.png`) as `result-1.png`, `result-2.png`, ….
 */
export async function recordResult(
  job: Job,
  result: EngineResult,
  write: (name: string, bytes: Uint8Array) => void | Promise<void>,
): Promise<void> {
  job.result = { seed: result.seed };
  if (result.kind === 'image') {
    const candidates: Array<{ file: string; seed: number }> = [];
    for (const [i, candidate] of (result.candidates ?? []).entries()) {
      const file = `result-${i + 1}.png`;
      await write(file, await encodePng(candidate.image));
      candidates.push({ file, seed: candidate.seed });
    }
    await write('result.png', await encodePng(result.image));
    job.result = {
      ...job.result,
      file: 'result.png',
      width: result.image.width,
      height: result.image.height,
      ...(candidates.length > 0 ? { candidates } : {}),
    };
  } else {
    job.result = { ...job.result, text: result.text };
  }
}

/** Every file a finished job's result is kept in: its PNG (a grid's tiled one) and a grid's images. */
export function resultFiles(job: Job): string[] {
  const { file, candidates } = job.result ?? {};
  return [...(file ? [file] : []), ...(candidates ?? []).map((c) => c.file)];
}

/**
 * A finished image job made without the engine (one image of a grid, picked), stored as `done` with its inputs and
 * PNG so every follow-up treats it as any result. It never queues, costs nothing and raises no event: the caller shows it.
 * A write that fails (a full disk) leaves nothing behind and throws.
 */
export function insertFinishedImage(
  store: JobStore,
  input: Omit<SubmitInput, 'priority'>,
  image: { png: Uint8Array; seed: number; width: number; height: number },
  times: { startedAt?: number; finishedAt: number; measuredMs?: number },
): Job {
  const job: Job = {
    ...newJob(input, {
      id: store.newId(),
      seq: store.nextSeq(),
      estimatedCost: 0,
      defaultPriority: 'normal',
      createdAt: times.finishedAt,
    }),
    status: 'done',
    ...times,
    result: { file: 'result.png', seed: image.seed, width: image.width, height: image.height },
  };
  try {
    for (const [name, bytes] of Object.entries(input.files ?? {})) store.writeFile(job.id, name, bytes);
    store.writeFile(job.id, 'result.png', image.png);
    store.insert(job);
  } catch (error) {
    // A full disk must not leave half a job's files behind with no record pointing at them.
    removeFilesQuietly(store, job.id);
    throw error;
  }
  return job;
}
