// The model and the job system shared by every adapter: one engine (the single GPU-resident model), one queue.
// With no MODEL_DIR the bundled model is a generated random checkpoint under DATA_DIR: it works end to end and
// produces noise, which is said plainly at start-up.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, type Engine, makeTestCheckpoint } from '../engine/index.js';
import type { Config } from './config/index.js';
import { type JobSystem, openJobSystem } from './jobs/index.js';
import type { Logger } from './log.js';

export interface Services {
  engine: Engine;
  jobs: JobSystem;
  /** True when running on the generated random checkpoint (no MODEL_DIR). */
  bundledModel: boolean;
  /**
   * Starts the worker. Call it once every adapter has subscribed: jobs recovered after a restart then report to
   * the adapter that owns them instead of into the void.
   */
  start(): void;
  close(): Promise<void>;
}

export const BUNDLED_PRESET = 'tiny';

/** The bundled model's folder, generated on first start. */
export function bundledModelDir(config: Config): string {
  return join(config.dataDir, 'checkpoints', `generated-${BUNDLED_PRESET}`);
}

export interface ServicesOptions {
  /** How often a running job reports a preview (default 1.5 s); tests shorten it. */
  previewIntervalMs?: number;
}

export async function openServices(
  config: Config,
  log: Logger,
  options: ServicesOptions = {},
): Promise<Services> {
  let modelDir = config.modelDir;
  const bundledModel = modelDir === undefined;
  if (modelDir === undefined) {
    modelDir = bundledModelDir(config);
    if (!existsSync(join(modelDir, 'config.json'))) {
      log.info({ modelDir }, 'generating the bundled random checkpoint (first start)');
      makeTestCheckpoint({ out: modelDir, preset: BUNDLED_PRESET, dtype: 'fp32' });
    }
    log.warn(
      { modelDir },
      'No MODEL_DIR is set: running a generated RANDOM checkpoint that produces noise. Download Alpha-VLLM/Lumina-DiMOO and set MODEL_DIR to its folder for real images.',
    );
  }
  const engine = await createEngine({
    modelDir,
    device: config.device,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });
  const jobs = openJobSystem({
    config,
    engine,
    previewIntervalMs: options.previewIntervalMs ?? 1500,
    log: (level, message, fields) => log[level](fields ?? {}, message),
  });
  return {
    engine,
    jobs,
    bundledModel,
    start: () => jobs.queue.start(),
    async close() {
      // The worker first (the running job finishes within the grace or goes back into the queue), then the model,
      // and the database last: nothing may write to it after it closes.
      await jobs.queue.stop({ waitMs: config.queue.shutdownGraceMs ?? 10_000 });
      await engine.close();
      await jobs.close();
    },
  };
}
