import { parse } from './args.js';
import type { CliCommand } from './command.js';
import { configFromEnvironment } from './environment.js';

export const command: CliCommand = {
  usage: 'dimoo config',
  flags: {},
  async run(argv, io) {
    // It takes no flags: one given (`--json`, `--model`) is refused rather than silently ignored.
    parse(argv, {});
    const config = configFromEnvironment();
    const shown = JSON.stringify(
      config,
      (key, value) => {
        if (typeof value !== 'string') return value;
        if (/token|secret/i.test(key)) return '[set]';
        // QUEUE_URL may carry a password.
        return key === 'url' ? value.replace(/\/\/[^@/]*@/, '//[set]@') : value;
      },
      2,
    );
    io.stdout.write(`${shown}\n`);
    // Also said apart from the JSON: a misspelt variable is what someone running this is looking for.
    for (const warning of config.warnings ?? []) io.stderr.write(`warning: ${warning}\n`);
    return 0;
  },
};
