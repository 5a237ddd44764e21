// The composition root's list of adapters: the one file in src/ that may import adapters/. The model and the job
// queue are opened once, on the first adapter's start, and shared by all of them.
import { startDiscord } from '../adapters/discord/index.js';
import { startPlayground } from '../adapters/web/index.js';
import type { AdapterFactories, AppContext } from './app.js';
import { openServices, type Services } from './services.js';

let shared: Promise<Services> | undefined;

function services(context: AppContext): Promise<Services> {
  shared ??= openServices(context.config, context.log);
  return shared;
}

/** Starts the shared worker once the adapters are listening (no-op when no adapter opened the services). */
export async function startServices(): Promise<void> {
  if (shared) (await shared).start();
}

/** Closes the shared model and queue after the adapters stopped (no-op when none was opened). */
export async function closeServices(): Promise<void> {
  const opened = shared;
  shared = undefined;
  if (opened) await (await opened).close();
}

export const builtAdapters: AdapterFactories = {
  discord: async (context) => startDiscord(context, await services(context)),
  playground: async (context) => startPlayground(context, await services(context)),
};
