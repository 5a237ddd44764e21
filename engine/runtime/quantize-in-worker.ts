import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { makeFolders } from '../folders.js';
import { startEngineWorker } from './engine-worker.js';
import { layOut, type QuantizeJob, type QuantizePart } from './quantize-file.js';
import type { QuantizeMessage } from './quantize-worker.js';

/**
 * Threads by default: every core but one (the event loop keeps its own), at most 8, since each holds one fp32
 * matrix at a time (the 8B model's largest: 200 MB) and the disk feeds them all.
 */
export function defaultQuantizeWorkers(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

/**
 * Quantizes `job` off the main thread, on `workers` threads that each write their share of the tensors (the
 * largest first, each to the least loaded) into a `.partial` file renamed when whole; then writes the index.
 * `onProgress` hears each tensor as it is done (the 8B model has 224 of them).
 */
export async function quantizeInWorker(
  job: QuantizeJob,
  onProgress?: (done: number, total: number) => void,
  workers = defaultQuantizeWorkers(),
): Promise<void> {
  const { refs, bits, blockSize, file } = job;
  const { entries, bytes } = layOut(refs, bits, blockSize);
  // The cache folder is the user's (DATA_DIR, HOME): one that cannot be made is an error, not Node 20's endless loop.
  makeFolders(path.dirname(file));
  const partial = `${file}.partial`;
  fs.writeFileSync(partial, '');
  fs.truncateSync(partial, bytes);

  const parts: QuantizePart[] = Array.from({ length: Math.min(workers, refs.length) }, () => ({
    bits,
    blockSize,
    file: partial,
    tensors: [],
  }));
  const load = parts.map(() => 0);
  const bySize = refs
    .map((ref, i) => ({ ref, entry: entries[i]! }))
    .sort((a, b) => b.ref.length - a.ref.length);
  for (const tensor of bySize) {
    const least = load.indexOf(Math.min(...load));
    parts[least]!.tensors.push(tensor);
    load[least]! += tensor.ref.length;
  }

  let done = 0;
  const running = parts.map((part) => startEngineWorker('quantize-worker', { workerData: part }));
  try {
    await Promise.all(
      running.map(
        (worker, i) =>
          new Promise<void>((resolve, reject) => {
            let finished = false;
            worker.on('message', (message: QuantizeMessage) => {
              if (message.type === 'tensor') onProgress?.(++done, refs.length);
              else finished = true;
            });
            worker.once('error', reject);
            worker.once('exit', (code) => {
              if (finished) resolve();
              else
                reject(
                  new Error(
                    `quantization worker ${i + 1} stopped (exit code ${code}) before its part of ${file} was written`,
                  ),
                );
            });
          }),
      ),
    );
  } catch (error) {
    await Promise.all(running.map((w) => w.terminate()));
    fs.rmSync(partial, { force: true });
    throw error;
  }
  fs.renameSync(partial, file);
  const index = Object.fromEntries(refs.map((ref, i) => [ref.name, entries[i]!]));
  fs.writeFileSync(`${file}.json`, JSON.stringify(index));
}
