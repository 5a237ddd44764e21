// `npm start`: validate the configuration, start what it asks for, stop cleanly on SIGINT/SIGTERM/SIGHUP.

import { planAdapters, startApp, startFailure, stopOnSignal } from './app.js';
import {
  abandonServices,
  builtAdapters,
  closeServices,
  drainServices,
  startServices,
} from './app-services.js';
import { type Config, ConfigError, loadConfigOrReport, portClashes, secretsOf } from './config/index.js';
import { listeners } from './config/ports.js';
import { assertWritableDataDir, DataDirError, type DataDirLock, lockDataDir } from './data-dir.js';
import { createLogger } from './log.js';
import { type PortReservations, PortUnavailableError, reservePorts } from './ops/port-reservations.js';

/** The one line of a start refused before anything ran, as startFailure's lines read. */
const refused = (problem: string) => process.stderr.write(`dimoo-bot could not start: ${problem}\n`);

async function main(): Promise<number> {
  const config = loadConfigOrReport((text) => process.stderr.write(text));
  if (!config) return 1;
  const adapters = planAdapters(config).map((p) => p.name);
  const clashes = portClashes(config, adapters);
  if (clashes.length > 0) {
    process.stderr.write(`${new ConfigError(clashes, config.warnings).message}\n`);
    return 1;
  }
  let lock: DataDirLock;
  try {
    assertWritableDataDir(config.dataDir);
    // Before the model: a second bot on this DATA_DIR is refused at once, not after minutes of loading.
    lock = lockDataDir(config.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirError)) throw error;
    refused(error.message);
    return 1;
  }
  let ports: PortReservations;
  try {
    // After the lock: a second bot on this DATA_DIR is named as such, not as the program that holds its ports.
    ports = await reservePorts(listeners(config, adapters), config.defaultLocale);
  } catch (error) {
    lock.release();
    if (!(error instanceof PortUnavailableError)) throw error;
    refused(error.message);
    return 1;
  }
  try {
    return await run(config, ports);
  } finally {
    await ports.releaseAll();
    lock.release();
  }
}

async function run(config: Config, ports: PortReservations): Promise<number> {
  const log = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  // discord.js turns a malformed gateway event into an unhandled rejection inside its WebSocket layer; logging it
  // keeps the bot serving instead of letting Node end the process.
  process.on('unhandledRejection', (reason) =>
    log.error({ err: reason }, 'unhandled rejection (kept running)'),
  );
  try {
    const app = await startApp({ config, log, ports }, builtAdapters);
    // What no server took over (an adapter this build lacks) answers no longer.
    await ports.releaseAll();
    if (app.running.length === 0) {
      log.info(
        { notBuilt: app.notBuilt },
        'configuration is valid; none of the requested adapters exists in this build yet, so there is nothing to run',
      );
      await app.stop();
      return 0;
    }
    // Listening before the worker starts: a signal at any moment from here on is a clean stop.
    const stopped = stopOnSignal(app, log, undefined, closeServices, drainServices, abandonServices);
    await startServices();
    await stopped;
    log.info('stopped');
    return 0;
  } catch (error) {
    // A missing CUDA library, a broken checkpoint, a port in use, a full disk: the operator's to fix, one line that
    // names it. Anything else is a bug, with its stack trace.
    const problem = startFailure(error, config);
    if (problem !== undefined) refused(problem);
    else log.fatal({ err: error }, 'dimoo-bot could not start');
    await closeServices().catch(() => undefined);
    return 1;
  }
}

process.exitCode = await main();
// Everything was closed in order; a handle some library left open (a socket, a native thread pool) must not keep
// the process alive after that.
setTimeout(() => process.exit(), 2000).unref();
