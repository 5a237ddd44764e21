import type { CliCommandEntry } from './command.js';

/** Every sub-command that exists; `dimoo --help` lists exactly these. */
export const commands: CliCommandEntry[] = [
  {
    name: 'imagine',
    summary: 'Generate an image from a text prompt with a checkpoint folder',
    load: async () => (await import('./imagine-command.js')).imagineCommand,
  },
  {
    name: 'edit',
    summary: 'Edit, restyle, control or predict from an input image (every DiMOO image-to-image type)',
    load: async () => (await import('./edit-command.js')).editCommand,
  },
  {
    name: 'paint',
    summary: 'Inpaint, outpaint, retouch boxes or a mask, or extend the canvas of an image',
    load: async () => (await import('./paint-command.js')).paintCommand,
  },
  {
    name: 'describe',
    summary: 'Answer a question about an image (or describe it)',
    load: async () => (await import('./describe-command.js')).describeCommand,
  },
  {
    name: 'batch',
    summary: 'Generate one image per prompt of a .jsonl, .json or .txt file, with results.json',
    load: async () => (await import('./batch-command.js')).batchCommand,
  },
  {
    name: 'make-test-checkpoint',
    summary:
      'Write a random checkpoint in the published Lumina-DiMOO layout (produces noise; for tests and trials)',
    load: async () => (await import('./make-test-checkpoint-command.js')).makeTestCheckpointCommand,
  },
  {
    name: 'config',
    summary: 'Validate the configuration (environment and .env) and print it, secrets hidden',
    load: async () => (await import('./config-command.js')).configCommand,
  },
  {
    name: 'gpu-setup',
    summary: 'Install the CUDA provider from the npm registry and list the CUDA libraries still missing',
    load: async () => (await import('./gpu-setup-command.js')).gpuSetupCommand,
  },
  {
    name: 'worker',
    summary:
      'Run one GPU worker of the shared queue (QUEUE_URL): loads the model and runs the jobs it is handed',
    load: async () => (await import('./worker-command.js')).workerCommand,
  },
];
