import { EngineError } from '../engine/index.js';
import type { Config } from './config/index.js';
import { cannotListen, listeners } from './config/ports.js';
import { DataDirError } from './data-dir.js';
import type { Logger } from './log.js';
import { listenProblem } from './ops/listen-problem.js';
import { type PortReservations, PortUnavailableError } from './ops/port-reservations.js';

/** The three front doors of the bot; each is an adapter under `adapters/`. */
export type AdapterName = 'discord' | 'telegram' | 'playground';

export interface AppContext {
  config: Config;
  log: Logger;
  /** The ports `npm start` holds from before the model loads: each server's is released just before it listens. */
  ports?: Pick<PortReservations, 'release'>;
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
      const ours = operatorProblem(error) !== undefined;
      const listen = ours ? undefined : listenFailure(name, context.config, error);
      // The operator's own problem is said once, in one line, by whoever ends the start (startFailure); a stack
      // trace is for what is not.
      if (!ours && listen === undefined)
        log.error({ adapter: name, err: error }, `${name} adapter failed to start`);
      await stopAll(started, log);
      throw listen === undefined ? error : new StartError(listen, { cause: error });
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

/** A start that failed for a reason the operator fixes (a port in use, a checkpoint, DATA_DIR): one line says it. */
export class StartError extends Error {}

/** The operator's own problem behind an error, as one line, or undefined when it is a bug or unknown. */
function operatorProblem(error: unknown): string | undefined {
  // A port lost after its reservation let go (the operators' endpoints open with the first adapter's services).
  if (error instanceof StartError || error instanceof DataDirError || error instanceof PortUnavailableError)
    return error.message;
  // 'internal' is ours to fix: its stack trace goes to the log.
  if (error instanceof EngineError && error.code !== 'internal') return error.message;
  return undefined;
}

/** The line for an adapter whose server could not listen, from the one table of the start's servers. */
function listenFailure(name: AdapterName, config: Config, error: unknown): string | undefined {
  const listener = listeners(config, [name]).find((l) => l.name === name);
  const problem = listener && listenProblem(error, listener.host);
  return problem && listener && cannotListen(listener, problem);
}

/**
 * The one line that says why the bot could not start, for an error the operator fixes (the configuration, the
 * checkpoint, DATA_DIR, a port), or undefined for anything else, which deserves its stack trace.
 */
export function startFailure(error: unknown, config: Config): string | undefined {
  const problem = operatorProblem(error);
  if (problem === undefined) return undefined;
  const checkpoint =
    error instanceof EngineError &&
    (error.code === 'checkpoint_missing' || error.code === 'checkpoint_invalid');
  if (!checkpoint || config.modelDir === undefined) return problem;
  // Named by its variable, as DATA_DIR and the ports are, and once: the engine's "config.json is missing from
  // /models/x" (it names the folder for the CLI's --model) loses its "from /models/x" to the prefix.
  const said = problem.replace(` from ${config.modelDir}:`, ':');
  return said.includes(config.modelDir) ? problem : `MODEL_DIR=${config.modelDir}: ${said}`;
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
 * The signals that stop the bot cleanly. SIGHUP too: the terminal that ran it closed, or a supervisor's "reload"
 * (the configuration is read at start only); unheard, Node ends the process on the spot, and the running job loses
 * its one retry as if the bot had crashed.
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Aborts `signal` on the first of `signals`, with that signal as its reason: the process stops cleanly (a signal
 * unheard, SIGHUP's among them, would end it on the spot and the running job would lose its one retry as if it had
 * crashed). A second signal before the stop is done exits at once, for an operator who does not want to wait, after
 * `abandon` (synchronous: the running job put back into the queue, so it keeps that retry all the same).
 * `dispose` removes the handlers.
 */
export function stopOnSignals(
  log: Logger,
  signals: readonly NodeJS.Signals[] = STOP_SIGNALS,
  abandon: () => void = () => undefined,
): { signal: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      log.warn({ signal }, 'second signal while stopping: exiting now');
      try {
        abandon();
      } catch (error) {
        log.error({ err: error }, 'could not put the running job back before exiting');
      }
      process.exit(130);
    }
    log.info({ signal }, 'shutting down');
    stop.abort(signal);
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    signal: stop.signal,
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/**
 * Resolves after the first of `signals` (`stopOnSignals`) has run `drain` (the running job finishes, or goes back
 * into the queue, and what that tells its users is delivered while the adapters still can), stopped the app and then
 * run `finish` (closing the shared model and queue); a second signal runs `abandon` and exits (stopOnSignals).
 */
export function stopOnSignal(
  app: App,
  log: Logger,
  signals: readonly NodeJS.Signals[] = STOP_SIGNALS,
  finish: () => Promise<void> = async () => undefined,
  drain: () => Promise<void> = async () => undefined,
  abandon?: () => void,
) {
  const stop = stopOnSignals(log, signals, abandon);
  return new Promise<NodeJS.Signals>((resolve) => {
    const onStop = () => {
      const signal = stop.signal.reason as NodeJS.Signals;
      void drain()
        .catch((error: unknown) => log.error({ err: error }, 'error while finishing the running job'))
        .then(() => app.stop())
        .then(finish)
        .catch((error: unknown) => log.error({ err: error }, 'error while shutting down'))
        .then(() => {
          stop.dispose();
          resolve(signal);
        });
    };
    stop.signal.addEventListener('abort', onStop, { once: true });
  });
}
