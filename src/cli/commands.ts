import type { CliCommand } from './command.js';
import { configCommand } from './config-command.js';
import { imagineCommand } from './imagine-command.js';
import { makeTestCheckpointCommand } from './make-test-checkpoint-command.js';

/** Every sub-command that exists; `dimoo --help` lists exactly these. */
export const commands: CliCommand[] = [imagineCommand, makeTestCheckpointCommand, configCommand];
