// The playground server as the web tests start it, in one place. A stack's `start` runs it with the test defaults
// (loopback, an ephemeral port, a 1 MiB upload limit, the engine's pixel limit, English, the bundled-model banner,
// CPU, a silent log), the stack's settings and then the test's own over them; its `close` stops every server it
// started (`startPlaygroundOver` starts one over commands a test made itself). Two stacks:
// - `openPlaygroundOnDouble`: for the HTTP tests, a config on a fresh DATA_DIR, the real job system and commands,
//   and the timed engine double (no checkpoint, no ONNX), the pixel limit the commands judge by; `close` stops the
//   servers, then the job system.
// - `playgroundOnServices`: for the browser tests, commands over services a test opened (the real engine), the
//   upload and pixel limits and banner taken from them; `close` stops the servers, then the services.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Playground,
  type PlaygroundOptions,
  startPlaygroundServer,
} from '../../../adapters/web/server.js';
import { Commands, type CommandsOptions } from '../../../commands/index.js';
import { MAX_INPUT_PIXELS } from '../../../engine/index.js';
import { type Config, loadConfig } from '../../../src/config/index.js';
import { type JobSystem, openJobSystem } from '../../../src/jobs/index.js';
import { createLogger, type Logger } from '../../../src/log.js';
import type { Services } from '../../../src/services.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';

/** What a test may set on a playground it starts; the commands come from its stack. */
export type PlaygroundSettings = Partial<Omit<PlaygroundOptions, 'commands'>>;

export interface StartedPlayground {
  server: Playground;
  /** The port it was bound to (an ephemeral one unless the settings named one). */
  port: number;
}

export interface PlaygroundStack {
  readonly commands: Commands;
  /** A playground over the stack's commands: the defaults, the stack's settings, then `settings`. */
  start(settings?: PlaygroundSettings): Promise<StartedPlayground>;
  /** Stops one of its servers now (a test taking the playground away); `close` leaves it be. */
  stop(server: Playground): Promise<void>;
  /** Stops every server still running, then what the stack runs on. */
  close(): Promise<void>;
}

/** A stack on the timed engine double, with the config and job system it opened. */
export interface PlaygroundOnDouble extends PlaygroundStack {
  readonly config: Config;
  readonly jobs: JobSystem;
}

const silent = createLogger({ level: 'silent', pretty: false });

/**
 * One playground over `commands`, outside any stack: the test defaults, then `settings`. The test closes it (for
 * a test whose commands are over a queue or store of its own making, a double's).
 */
export async function startPlaygroundOver(
  commands: Commands,
  settings: PlaygroundSettings = {},
): Promise<StartedPlayground> {
  const server = await startPlaygroundServer({
    host: '127.0.0.1',
    port: 0,
    maxInputBytes: 1024 * 1024,
    maxInputPixels: MAX_INPUT_PIXELS,
    defaultLocale: 'en',
    bundledModel: true,
    device: 'cpu',
    log: silent,
    ...settings,
    commands,
  });
  return { server, port: Number(new URL(server.url).port) };
}

function stackOf(
  commands: Commands,
  stackSettings: PlaygroundSettings,
  closeRest: () => Promise<void>,
): PlaygroundStack {
  const running = new Set<Playground>();
  return {
    commands,
    async start(settings = {}) {
      const started = await startPlaygroundOver(commands, { ...stackSettings, ...settings });
      running.add(started.server);
      return started;
    },
    async stop(server) {
      running.delete(server);
      await server.close();
    },
    async close() {
      for (const server of running) await server.close();
      running.clear();
      await closeRest();
    },
  };
}

/**
 * Real HTTP, commands and queue on the timed engine double: a config on a fresh DATA_DIR (`dimoo-web-<name>-`, a
 * silent log level, then `env`), commands with `commandOptions` added, on `engine`. The queue is not started: what a
 * test sends stays queued, and no run begins, until the test starts it. A test of the commands alone (the router) may start no server at all.
 */
export function openPlaygroundOnDouble(
  name: string,
  env: Record<string, string> = {},
  commandOptions: Partial<CommandsOptions> = {},
  engine = new TimedEngineDouble(),
): PlaygroundOnDouble {
  const config = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), `dimoo-web-${name}-`)),
    LOG_LEVEL: 'silent',
    ...env,
  });
  const jobs = openJobSystem({ config, engine });
  const commands = new Commands({ queue: jobs.queue, store: jobs.store, config, ...commandOptions });
  const settings = { maxInputPixels: config.limits.maxInputPixels };
  return { config, jobs, ...stackOf(commands, settings, () => jobs.close({ waitMs: 100 })) };
}

/**
 * Commands over services a test opened (`openE2eServices` gives this shape), with `commandOptions` added, and
 * playgrounds that take the upload limit, the bundled-model banner and the log from them, as the app's own does.
 * The test starts the services' queue itself, when it is ready for jobs to run.
 */
export function playgroundOnServices(
  opened: { config: Config; log: Logger; services: Services },
  commandOptions: Partial<CommandsOptions> = {},
): PlaygroundStack {
  const { config, log, services } = opened;
  const commands = new Commands({
    queue: services.jobs.queue,
    store: services.jobs.store,
    config,
    ...commandOptions,
  });
  return stackOf(
    commands,
    {
      maxInputBytes: config.limits.maxInputBytes,
      maxInputPixels: config.limits.maxInputPixels,
      bundledModel: services.bundledModel,
      log,
    },
    () => services.close(),
  );
}
