import { batchCommand } from './batch-command.js';
import type { CliCommand } from './command.js';
import { configCommand } from './config-command.js';
import { describeCommand } from './describe-command.js';
import { editCommand } from './edit-command.js';
import { gpuSetupCommand } from './gpu-setup-command.js';
import { imagineCommand } from './imagine-command.js';
import { makeTestCheckpointCommand } from './make-test-checkpoint-command.js';
import { paintCommand } from './paint-command.js';
import { workerCommand } from './worker-command.js';

/** Every sub-command that exists; `dimoo --help` lists exactly these. */
export const commands: CliCommand[] = [
  imagineCommand,
  editCommand,
  paintCommand,
  describeCommand,
  batchCommand,
  makeTestCheckpointCommand,
  configCommand,
  gpuSetupCommand,
  workerCommand,
];
