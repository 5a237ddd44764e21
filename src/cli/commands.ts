import type { CliCommand } from './command.js';
import { configCommand } from './config-command.js';

/** Every sub-command that exists; `dimoo --help` lists exactly these. */
export const commands: CliCommand[] = [configCommand];
