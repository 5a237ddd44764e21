import type { CliCommand, CliCommandEntry } from './command.js';

/** Every sub-command that exists, with its one-line summary; `dimoo --help` lists exactly these, in this order. */
const SUMMARIES = {
  imagine: 'Generate an image from a text prompt with a checkpoint folder',
  edit: 'Edit, restyle, control or predict from an input image (every DiMOO image-to-image type)',
  paint: 'Inpaint, outpaint, retouch boxes or a mask, or extend the canvas of an image',
  describe: 'Answer a question about an image (or describe it)',
  batch: 'Generate one image per prompt of a .jsonl, .json or .txt file, with results.json',
  'make-test-checkpoint':
    'Write a random checkpoint in the published Lumina-DiMOO layout (produces noise; for tests and trials)',
  'check-model': 'Check a checkpoint folder without loading it (complete? which precision fits which card?)',
  config: 'Validate the configuration (environment and .env) and print it, secrets hidden',
  'gpu-setup': 'Install the CUDA provider from the npm registry and list the CUDA libraries still missing',
  worker:
    'Run one GPU worker of the shared queue (QUEUE_URL): loads the model and runs the jobs it is handed',
};

export const commands: CliCommandEntry[] = Object.entries(SUMMARIES).map(([name, summary]) => ({
  name,
  summary,
  // esbuild turns the pattern into one chunk per src/cli/*-command.ts, loaded when that command runs.
  load: async () => ((await import(`./${name}-command.ts`)) as { command: CliCommand }).command,
}));
