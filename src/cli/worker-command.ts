import { stopOnSignals } from '../app.js';
import { loadConfigOrReport, secretsOf } from '../config/index.js';
import { createLogger } from '../log.js';
import { runWorker } from '../worker-role.js';
import { parse } from './args.js';
import type { CliCommand } from './command.js';

export const command: CliCommand = {
  usage: 'dimoo worker   (configured by the environment: QUEUE_URL, MODEL_DIR, DEVICE, METRICS_PORT, …)',
  async run(argv, io) {
    // Configured by the environment only: a flag (`--model DIR`) would otherwise be ignored without a word.
    parse(argv, {});
    const config = loadConfigOrReport((text) => io.stderr.write(text));
    if (!config) return 1;
    if (!config.distributed) {
      io.stderr.write('QUEUE_URL is not set: `dimoo worker` serves a shared queue (redis://host:6379).\n');
      return 1;
    }
    const log = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
    // Heard from before the model loads: a signal at any moment is a clean stop.
    const stop = stopOnSignals(log);
    try {
      await runWorker(config, log, stop.signal);
    } finally {
      stop.dispose();
    }
    return 0;
  },
};
