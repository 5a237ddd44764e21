import { StartError, stopOnSignals } from '../app.js';
import { secretsOf } from '../config/index.js';
import { createLogger } from '../log.js';
import { PortUnavailableError } from '../ops/port-reservations.js';
import { runWorker } from '../worker-role.js';
import { parse } from './args.js';
import { type CliCommand, CliError } from './command.js';
import { configFromEnvironment } from './environment.js';

export const command: CliCommand = {
  usage: 'dimoo worker   (configured by the environment: QUEUE_URL, MODEL_DIR, DEVICE, METRICS_PORT, …)',
  flags: {},
  async run(argv) {
    // Configured by the environment only: a flag (`--model DIR`) would otherwise be ignored without a word.
    parse(argv, {});
    const config = configFromEnvironment();
    if (!config.distributed)
      throw new CliError(
        'queue_url_missing',
        'QUEUE_URL is not set: `dimoo worker` serves a shared queue (redis://host:6379).',
      );
    const log = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
    // Heard from before the model loads: a signal at any moment is a clean stop.
    const stop = stopOnSignals(log);
    try {
      await runWorker(config, log, stop.signal);
    } catch (error) {
      if (error instanceof PortUnavailableError) throw new CliError('port_unavailable', error.message);
      // The operator's own problem (QUEUE_URL's credentials refused): its one line, no stack trace.
      if (error instanceof StartError) throw new CliError('start_failed', error.message);
      throw error;
    } finally {
      stop.dispose();
    }
    return 0;
  },
};
