import type { Config } from './config/index.js';
import type { Logger } from './log.js';

/** The three front doors of the bot; each is an adapter under `adapters/`. */
export type AdapterName = 'discord' | 'telegram' | 'playground';

export interface AppContext {
  config: Config;
  log: Logger;
}

/** A started adapter. `stop()` stops intake and lets in-flight replies finish; it must be safe to call once. */
export interface RunningAdapter {
  readonly name: AdapterName;
  stop(): Promise<void>;
}

export type AdapterFactory = (context: AppContext) => Promise<RunningAdapter>;
export type AdapterFactories = Partial<Record<AdapterName, AdapterFactory>>;

export interface PlannedAdapter {
  name: AdapterName;
  /** Why the configuration asks for it, for the start-up log line. */
  reason: string;
}

/**
 * Which adapters a configuration asks for: every platform with a token, and the local playground when no
 * platform token is set or when WEB_PORT is set explicitly.
 */
export function planAdapters(config: Config): PlannedAdapter[] {
  const plan: PlannedAdapter[] = [];
  if (config.discord.token) plan.push({ name: 'discord', reason: 'DISCORD_TOKEN is set' });
  if (config.telegram.token) plan.push({ name: 'telegram', reason: 'TELEGRAM_TOKEN is set' });
  if (plan.length === 0) {
    plan.push({ name: 'playground', reason: 'no platform token is set' });
  } else if (config.web.port !== undefined) {
    plan.push({ name: 'playground', reason: 'WEB_PORT is set' });
  }
  return plan;
}

export interface App {
  /** Adapters that are running now. */
  readonly running: readonly AdapterName[];
  /** Adapters the configuration asked for that this build does not have yet. */
  readonly notBuilt: readonly AdapterName[];
  /** Stops every running adapter, last started first. Calling it again returns the same promise. */
  stop(): Promise<void>;
}

/**
 * Starts what the configuration asks for. If one adapter fails to start, the ones already started are stopped
 * again and the error is rethrown, so a half-started bot never lingers.
 */
export async function startApp(context: AppContext, factories: AdapterFactories): Promise<App> {
  const { log } = context;
  const plan = planAdapters(context.config);
  log.info(
    {
      adapters: plan.map((p) => p.name),
      device: context.config.device,
      modelDir: context.config.modelDir ?? null,
      dataDir: context.config.dataDir,
    },
    `dimoo-bot starting: ${plan.map((p) => `${p.name} (${p.reason})`).join(', ')}`,
  );

  const started: RunningAdapter[] = [];
  const notBuilt: AdapterName[] = [];
  for (const { name } of plan) {
    const factory = factories[name];
    if (!factory) {
      notBuilt.push(name);
      log.warn({ adapter: name }, `the ${name} adapter is not built yet; nothing to start for it`);
      continue;
    }
    try {
      started.push(await factory(context));
      log.info({ adapter: name }, `${name} adapter started`);
    } catch (error) {
      log.error({ adapter: name, err: error }, `${name} adapter failed to start`);
      await stopAll(started, log);
      throw error;
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    running: started.map((a) => a.name),
    notBuilt,
    stop: () => {
      stopping ??= stopAll(started, log);
      return stopping;
    },
  };
}

async function stopAll(adapters: readonly RunningAdapter[], log: Logger): Promise<void> {
  for (const adapter of [...adapters].reverse()) {
    try {
      await adapter.stop();
      log.info({ adapter: adapter.name }, `${adapter.name} adapter stopped`);
    } catch (error) {
      // One adapter failing to stop must not keep the others running.
      log.error({ adapter: adapter.name, err: error }, `${adapter.name} adapter failed to stop cleanly`);
    }
  }
}

/**
 * Resolves after the first SIGINT or SIGTERM has run `drain` (the running job finishes, or goes back into the queue,
 * and what that tells its users is delivered while the adapters still can), stopped the app and then run `finish`
 * (closing the shared model and queue). A second signal
 * before that is done exits at once, for an operator who does not want to wait.
 */
export function stopOnSignal(
  app: App,
  log: Logger,
  signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
  finish: () => Promise<void> = async () => undefined,
  drain: () => Promise<void> = async () => undefined,
) {
  return new Promise<NodeJS.Signals>((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn({ signal }, 'second signal while stopping: exiting now');
        process.exit(130);
      }
      received = signal;
      log.info({ signal }, 'shutting down');
      void drain()
        .catch((error: unknown) => log.error({ err: error }, 'error while finishing the running job'))
        .then(() => app.stop())
        .then(finish)
        .catch((error: unknown) => log.error({ err: error }, 'error while shutting down'))
        .then(() => {
          for (const s of signals) process.off(s, onSignal);
          resolve(signal);
        });
    };
    for (const s of signals) process.on(s, onSignal);
  });
}
