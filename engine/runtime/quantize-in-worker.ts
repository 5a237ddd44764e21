import { Worker } from 'node:worker_threads';
import type { QuantizeJob } from './quantize-file.js';
import type { QuantizeMessage } from './quantize-worker.js';

function startWorker(job: QuantizeJob): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./quantize-worker.mjs', self), { workerData: job });
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./quantize-worker.ts', self).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: job });
}

/** Quantizes `job` off the main thread; `onProgress` hears each tensor as it is done. */
export function quantizeInWorker(
  job: QuantizeJob,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let done = false;
    worker.on('message', (message: QuantizeMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.total);
      else done = true;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (done) resolve();
      else
        reject(
          new Error(`the quantization worker stopped (exit code ${code}) before ${job.file} was written`),
        );
    });
  });
}
