// Starts one of the engine's worker threads by its entry's name. Run from source (tsx, vitest) the entry is a
// .ts file the thread must register tsx for; from a bundle (dist/, the GPU bundle) it is the .mjs bundled beside
// the caller (bin/cli-bundle.js and bench/gpu-pack.sh put it there).
import { Worker, type WorkerOptions } from 'node:worker_threads';

export type EngineWorkerEntry = 'quantize-worker' | 'session-worker';

export function startEngineWorker(entry: EngineWorkerEntry, options: WorkerOptions = {}): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(`./${entry}.mjs`, self), options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const source = new URL(`./${entry}.ts`, self).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
