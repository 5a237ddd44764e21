// A worker thread that quantizes its share of a checkpoint's linear weights into the laid-out cache file
// (quantize-in-worker.ts starts several), so quantizing never blocks the main thread's event loop (chat
// heartbeats, the playground) during start.
import { parentPort, workerData } from 'node:worker_threads';
import { type QuantizePart, writeQuantizedPart } from './quantize-file.js';

/** Messages to the main thread: one per tensor written, then done (a failure surfaces as the worker's error). */
export type QuantizeMessage = { type: 'tensor' } | { type: 'done' };

const post = (message: QuantizeMessage) => parentPort?.postMessage(message);
writeQuantizedPart(workerData as QuantizePart, () => post({ type: 'tensor' }));
post({ type: 'done' });
