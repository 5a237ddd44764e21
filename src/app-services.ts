// The composition root's list of adapters: the one file in src/ that may import adapters/ and commands/. The
// model, the job queue and the one `Commands` are made once, on the first adapter's start, and shared by all of
// them: every job event is rendered once, and each adapter hears its own platform's jobs.
import { DISCORD_PROFILE, startDiscord } from '../adapters/discord/index.js';
import { startTelegram, TELEGRAM_PROFILE } from '../adapters/telegram/index.js';
import { PLAYGROUND_PROFILE, startPlayground } from '../adapters/web/index.js';
import { Commands } from '../commands/index.js';
import type { AdapterFactories, AdapterFactory, AdapterName, AppContext, RunningAdapter } from './app.js';
import { openServices, type Services } from './services.js';

/** The one `Commands` of a process: each platform's profile comes from its adapter. */
export function buildCommands(context: AppContext, services: Services): Commands {
  const { config, log } = context;
  return new Commands({
    queue: services.jobs.queue,
    store: services.jobs.store,
    config,
    log: (level, message, fields) => log[level](fields ?? {}, message),
    platforms: { discord: DISCORD_PROFILE, telegram: TELEGRAM_PROFILE, web: PLAYGROUND_PROFILE },
    randomModel: services.bundledModel,
  });
}

export interface Shared {
  services: Services;
  commands: Commands;
}

let shared: Promise<Shared> | undefined;
/** The same once open: what a process ending at once (a second signal) reaches synchronously. */
let opened: Shared | undefined;

function open(context: AppContext): Promise<Shared> {
  shared ??= (async () => {
    // The operators' endpoints are the first thing the services serve, before the model.
    await context.ports?.release('metrics');
    const services = await openServices(context.config, context.log);
    opened = { services, commands: buildCommands(context, services) };
    return opened;
  })();
  return shared;
}

/** Starts the shared worker once the adapters are listening (no-op when no adapter opened the services). */
export async function startServices(): Promise<void> {
  if (shared) (await shared).services.start();
}

/** How long the drain waits for the job events the stop emitted to reach their users. */
export const UPDATES_SETTLE_MS = 5000;

/**
 * Lets the running job finish (or go back into the queue) while the adapters still deliver, before they stop, then
 * waits until the events that emitted (a result, "the bot is restarting") are rendered and handed to them.
 */
export async function drainShared({ services, commands }: Shared): Promise<void> {
  await services.drain?.();
  await commands.settleUpdates(UPDATES_SETTLE_MS);
}

/** Closes the model and the queue, the database last: no job event is rendered from then on. */
export async function closeShared({ services, commands }: Shared): Promise<void> {
  commands.closeUpdates();
  await services.close();
}

/** `drainShared` of this process's services (no-op when none was opened). */
export async function drainServices(): Promise<void> {
  if (shared) await drainShared(await shared);
}

/** Closes the shared model and queue after the adapters stopped (no-op when none was opened). */
export async function closeServices(): Promise<void> {
  const open = shared;
  shared = undefined;
  if (open) await closeShared(await open);
  opened = undefined;
}

/** The process ends now (a second signal): the running jobs go back into the queue, their one retry kept. */
export function abandonServices(): void {
  opened?.services.abandon?.();
}

/**
 * An adapter's start once the shared services are open, on the port its reservation held until then. The adapter's
 * server listens first thing in its start, before its platform is reached (a login, getMe: minutes while the network
 * is down), answering 503 "starting" until it serves, so the port is never free in between.
 */
function adapter(
  name: AdapterName,
  start: (context: AppContext, services: Services, commands: Commands) => Promise<RunningAdapter>,
): AdapterFactory {
  return async (context) => {
    const { services, commands } = await open(context);
    await context.ports?.release(name);
    return start(context, services, commands);
  };
}

export const builtAdapters: AdapterFactories = {
  discord: adapter('discord', startDiscord),
  telegram: adapter('telegram', startTelegram),
  playground: adapter('playground', startPlayground),
};
