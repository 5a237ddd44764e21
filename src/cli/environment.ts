// The configuration of a command that reads the environment (`dimoo config`, `dimoo worker`): an invalid one is the
// command's failure like any other, said by cli/main.ts after the `dimoo <command>:` every failure line starts with.
import { type Config, ConfigError, loadConfig } from '../config/index.js';
import { CliError } from './command.js';

export function configFromEnvironment(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError('config_invalid', error.message);
    throw error;
  }
}
