// The worker thread that writes a quantized-weights cache file (quantize-in-worker.ts starts it), so quantizing a
// checkpoint never blocks the main thread's event loop (chat heartbeats, the playground) during start.
import { parentPort, workerData } from 'node:worker_threads';
import { type QuantizeJob, writeQuantizedFile } from './quantize-file.js';

/** Messages to the main thread: progress per tensor, then done (a failure surfaces as the worker's error). */
export type QuantizeMessage = { type: 'progress'; done: number; total: number } | { type: 'done' };

const post = (message: QuantizeMessage) => parentPort?.postMessage(message);
writeQuantizedFile(workerData as QuantizeJob, (done, total) => post({ type: 'progress', done, total }));
post({ type: 'done' });
