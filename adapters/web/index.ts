// The playground adapter's factory: the shared commands and services in, a running web server out.
import type { Commands, PlatformProfile } from '../../commands/index.js';
import type { AppContext, RunningAdapter } from '../../src/app.js';
import type { Services } from '../../src/services.js';
import { startPlaygroundServer } from './server.js';

/** The port the playground uses when it starts by default (no platform token, no WEB_PORT). */
export const DEFAULT_PLAYGROUND_PORT = 8080;

export const PLAYGROUND_PROFILE: PlatformProfile = {
  // No reply-to-image here: the refusal says to attach, paste or drop one.
  imageMissingKey: 'web.needs_image',
  helpImagesKey: 'help.web.images',
  helpKeys: ['help.web.commands', 'help.web.buttons'],
  // The page counts an ETA down itself: a line's own fixed figure beside it said another time.
  countsDownEta: true,
};

export async function startPlayground(
  context: AppContext,
  services: Services,
  commands: Commands,
): Promise<RunningAdapter & { url: string }> {
  const { config, log } = context;
  const server = await startPlaygroundServer({
    commands,
    host: config.web.host,
    port: config.web.port ?? DEFAULT_PLAYGROUND_PORT,
    accessToken: config.web.accessToken,
    maxInputBytes: config.limits.maxInputBytes,
    maxInputPixels: config.limits.maxInputPixels,
    defaultLocale: config.defaultLocale,
    bundledModel: services.bundledModel,
    device: services.device,
    log,
    failureTold: services.jobs.queue.failureTold?.bind(services.jobs.queue),
  });
  log.info({ url: server.url }, `playground ready: open ${server.url}`);
  // In a terminal the address also stands alone, easy to spot and to click (the JSON log keeps it as `url`).
  if (process.stdout.isTTY) process.stdout.write(`\n  ${server.url}\n\n`);
  return { name: 'playground', url: server.url, stop: () => server.close() };
}
