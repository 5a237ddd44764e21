// What every adapter e2e test starts from: a config on a fresh DATA_DIR (CPU, the given variables), a silent
// logger, and the real services (the engine on the generated tiny checkpoint, the job system).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { type Config, loadConfig } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/log.js';
import { openServices, type Services } from '../../src/services.js';

export async function openE2eServices(
  name: string,
  env: Record<string, string>,
  options?: Parameters<typeof openServices>[2],
): Promise<{ config: Config; log: Logger; services: Services }> {
  const config = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), `dimoo-${name}-`)),
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
