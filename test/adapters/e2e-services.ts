// What every adapter e2e test starts from: a config on a fresh DATA_DIR (CPU, the given variables), a silent
// logger, and the real services (the engine on the generated tiny checkpoint, the job system).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../engine/index.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { openJobSystem } from '../../src/jobs/index.js';
import { createLogger, type Logger } from '../../src/log.js';
import { AdapterHealth } from '../../src/ops/adapter-health.js';
import { BotMetrics } from '../../src/ops/metrics.js';
import { openServices, type Services } from '../../src/services.js';
import type { TimedEngineDouble } from '../doubles/timed-engine.js';

export async function openE2eServices(
  name: string,
  env: Record<string, string>,
  options?: Parameters<typeof openServices>[2],
): Promise<{ config: Config; log: Logger; services: Services }> {
  // A folder of its own only when none is given: one made and then replaced was never removed (a child killed with
  // SIGKILL left one in the temp folder per start).
  const config = loadConfig({
    DATA_DIR: env.DATA_DIR ?? mkdtempSync(join(tmpdir(), `dimoo-${name}-`)),
    DEVICE: 'cpu',
    ...env,
  });
  const log = createLogger({ level: process.env.E2E_LOG_LEVEL ?? 'silent', pretty: false });
  return { config, log, services: await openServices(config, log, options) };
}

/** A plain-colour PNG, the usual uploaded image. */
export function solidPng(color: string, size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/**
 * The same start on a fast engine double (no checkpoint, no ONNX): for lifecycle tests and the soak, where what
 * matters is how jobs' events reach the platforms, not the pictures.
 */
export function openDoubleServices(
  name: string,
  env: Record<string, string>,
  engine: TimedEngineDouble,
): { config: Config; log: Logger; services: Services } {
  // A folder of its own only when none is given: one made and then replaced was never removed (a child killed with
  // SIGKILL left one in the temp folder per start).
  const config = loadConfig({
    DATA_DIR: env.DATA_DIR ?? mkdtempSync(join(tmpdir(), `dimoo-${name}-`)),
    DEVICE: 'cpu',
    ...env,
  });
  const log = createLogger({ level: process.env.E2E_LOG_LEVEL ?? 'silent', pretty: false });
  const jobs = openJobSystem({ config, engine });
  return {
    config,
    log,
    services: {
      // The adapters never call the engine itself; the double only serves the job system.
      engine: engine as unknown as Engine,
      device: 'cpu',
      jobs,
      metrics: new BotMetrics(),
      bundledModel: false,
      health: new AdapterHealth(),
      start: () => jobs.queue.start(),
      close: () => jobs.close({ waitMs: 2000 }),
    },
  };
}
