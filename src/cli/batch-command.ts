import { dirname, join, resolve } from 'node:path';
import { EngineError, makeFolders, type ProgressEvent, TEXT_TO_IMAGE_DEFAULTS } from '../../engine/index.js';
import { defaultMaxBatch } from '../jobs/index.js';
import { intOption, parse, required } from './args.js';
import { type CliCommand, CliError, UsageError } from './command.js';
import {
  ENGINE_FLAGS,
  ENGINE_USAGE,
  engineTarget,
  imageFile,
  JSON_FLAG,
  MODEL_FLAG,
  samplingFlags,
  samplingSettings,
  withEngine,
} from './engine-io.js';
import { writeOutputFiles } from './files.js';
import { valueFlag } from './flag-help.js';
import { limitsHelp } from './help-text.js';
import { checkOutFile, checkOutFolder, checkPromptFile, checkSampling, checkSize } from './preflight.js';
import { batchFileName, readPromptFile } from './prompt-file.js';

export interface BatchResult {
  image_path: string;
  prompt: string;
  elapsed_time: number;
  seed: number;
}

/**
 * A whole-batch bar: prompts done and the current prompt's steps, on stderr when it is a terminal and the output
 * is not `--json` (as every task's bar); `end()` ends its line.
 */
function batchBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, count: number, json: boolean) {
  const shown = stream.isTTY === true && !json;
  let open = false;
  const draw = (done: number, step: number, total: number) => {
    if (!shown) return;
    const width = 30;
    const fraction = (done + step / total) / count;
    const filled = Math.round(fraction * width);
    open = true;
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${count} images, step ${step}/${total}`,
    );
  };
  return Object.assign(draw, {
    end: () => {
      if (open) stream.write('\n');
      open = false;
    },
  });
}

/** upstream's batch script's size. */
const SIZE = 1024;

const FLAGS = {
  model: MODEL_FLAG,
  prompts: valueFlag(
    'FILE',
    'the prompts: .jsonl (one {"prompt": …} a line), .json (an array of strings) or .txt (one a line) ' +
      '(required)',
  ),
  'out-dir': valueFlag('DIR', 'the folder the images go to, one PNG per prompt (required)'),
  'negative-prompt': valueFlag(
    'TEXT',
    'what every image steers away from; needs --cfg above 0 (default: none)',
  ),
  width: valueFlag('N', `each image's width in pixels, a multiple of 16 (default ${SIZE})`),
  height: valueFlag('N', `each image's height in pixels, a multiple of 16 (default ${SIZE})`),
  ...samplingFlags(TEXT_TO_IMAGE_DEFAULTS),
  seed: valueFlag(
    'N',
    "the first prompt's seed, the next ones counting up from it (default: random for each)",
  ),
  'batch-size': valueFlag(
    'N',
    `prompts that share each forward pass (default ${defaultMaxBatch('cuda')} on a GPU, ${defaultMaxBatch('cpu')} on the CPU)`,
  ),
  ...ENGINE_FLAGS,
  out: valueFlag('FILE', 'where results.json is written (default: results.json in --out-dir)'),
  json: JSON_FLAG,
} as const;

export const command: CliCommand = {
  usage: `dimoo batch --model DIR --prompts FILE.jsonl|FILE.json|FILE.txt --out-dir DIR [--negative-prompt TEXT] [--width ${SIZE} --height ${SIZE} --steps 64 --cfg 4 --temperature 1 --seed N] [--batch-size N] ${ENGINE_USAGE} [--out results.json] [--json]`,
  flags: FLAGS,
  help: limitsHelp({ size: true }),
  json: true,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const target = engineTarget(o);
    const outDir = required('out-dir', o['out-dir']);
    const promptsPath = required('prompts', o.prompts);
    const entries = readPromptFile(promptsPath);
    const prompts = entries.map((e) => e.prompt);
    const width = intOption('width', o.width, SIZE) as number;
    const height = intOption('height', o.height, SIZE) as number;
    const sampling = samplingSettings(o, TEXT_TO_IMAGE_DEFAULTS);
    const { steps, cfg, temperature, seed: baseSeed } = sampling;
    const batchOption = intOption('batch-size', o['batch-size']);
    if (batchOption !== undefined && batchOption < 1)
      throw new UsageError(`--batch-size must be at least 1, got ${batchOption}`);
    // One negative prompt for every image of the batch (imagine's --negative-prompt).
    const negative = o['negative-prompt'] === undefined ? {} : { negativePrompt: o['negative-prompt'] };
    const resultsPath = o.out ?? join(outDir, 'results.json');
    // Everything that needs no model, before the model loads. The folder is made only with the first images, so a
    // failed start leaves no empty folder behind.
    checkPromptFile(promptsPath, entries);
    checkSize(width, height);
    checkSampling({ ...sampling, ...negative });
    checkOutFolder('out-dir', outDir);
    if (o.out !== undefined && resolve(o.out) === resolve(outDir))
      throw new CliError(
        'output_unwritable',
        `--out ${o.out} is the --out-dir folder; give results.json a file name`,
      );
    if (o.out !== undefined && resolve(dirname(o.out)) !== resolve(outDir)) checkOutFile('out', o.out);
    return withEngine(target, async (engine, interrupt) => {
      const results: BatchResult[] = [];
      const bar = batchBar(io.stderr, prompts.length, o.json === true);
      // Prompts go to the engine in groups that share every forward pass (the GPU default; on CPU one by one).
      const size = batchOption ?? Math.max(1, defaultMaxBatch(engine.info.device));
      const runStarted = performance.now();
      async function run(): Promise<void> {
        for (let from = 0; from < prompts.length; from += size) {
          const started = performance.now();
          const group = prompts.slice(from, from + size);
          const outcomes = await engine.generateBatch(
            group.map((prompt, k) => ({
              request: {
                task: 'text_to_image' as const,
                prompt,
                width,
                height,
                steps,
                cfg,
                temperature,
                ...negative,
                // Each prompt its own seed, reproducible from the base seed.
                seed: baseSeed === undefined ? undefined : (baseSeed + from + k) % 2 ** 32,
              },
              options: {
                signal: interrupt.signal,
                ...(k === 0
                  ? { onProgress: (p: ProgressEvent) => p.phase || bar(from, p.step, p.total) }
                  : {}),
              },
            })),
          );
          const images = outcomes.map((result) => {
            if (result instanceof EngineError) throw result;
            if (result.kind !== 'image') throw new Error('text-to-image returned no image');
            return result;
          });
          // Images of one group finish together: each is charged an equal share of the group's time.
          const elapsed = (performance.now() - started) / 1000 / group.length;
          // Made with the first images, so a batch stopped before them leaves no empty folder.
          makeFolders(outDir);
          const written = images.map((result, k) => {
            const prompt = group[k] as string;
            const name = batchFileName(from + k, prompt, { width, height, steps, cfg, seed: result.seed });
            return {
              image_path: name,
              prompt,
              elapsed_time: elapsed,
              seed: result.seed,
              image: result.image,
            };
          });
          const listed = [...results, ...written.map(({ image: _, ...entry }) => entry)];
          // The group's images with results.json listing them, as one set, after every group: an interrupted batch
          // keeps what it made, and a failed write (a full disk) leaves no image that results.json does not list.
          writeOutputFiles([
            ...(await Promise.all(
              written.map((w) => imageFile(join(outDir, w.image_path), w.image, undefined, 'out-dir')),
            )),
            { flag: 'out', path: resultsPath, data: `${JSON.stringify(listed, null, 2)}\n` },
          ]);
          results.splice(0, results.length, ...listed);
        }
      }
      try {
        await run();
      } catch (error) {
        bar.end();
        const kept =
          results.length === 0
            ? 'nothing was written'
            : `${resultsPath} lists the ${results.length} of ${prompts.length} images written`;
        throw interrupt.translate(error, kept);
      }
      const total = (performance.now() - runStarted) / 1000;
      bar.end();
      if (o.json) {
        io.stdout.write(
          `${JSON.stringify({ count: results.length, out_dir: outDir, results: resultsPath, device: engine.info.device, average_s: total / results.length })}\n`,
        );
      } else {
        io.stderr.write(
          `wrote ${results.length} images to ${outDir} and ${resultsPath} (${(total / results.length).toFixed(2)} s per image)\n`,
        );
      }
      return 0;
    });
  },
};
