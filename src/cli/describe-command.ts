import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isGeneratedCheckpoint,
  MAX_GEN_LENGTH,
  REQUEST_LIMITS,
  UNDERSTAND_DEFAULTS,
} from '../../engine/index.js';
import { intOption, parse, required } from './args.js';
import type { CliCommand } from './command.js';
import {
  ENGINE_FLAGS,
  ENGINE_USAGE,
  engineTarget,
  generateWithBar,
  JSON_FLAG,
  MODEL_FLAG,
  readImageFile,
  samplingFlags,
  samplingSettings,
  withEngine,
} from './engine-io.js';
import { writeOutputFile } from './files.js';
import { switchFlag, valueFlag } from './flag-help.js';
import { limitsHelp } from './help-text.js';
import { checkAnswerPlan, checkOutFile, checkPrompt, checkSampling } from './preflight.js';

/** describe's steps go to 4 × the image tasks' limit (engine/tasks/understand.ts): one or more per answer token. */
const DESCRIBE_MAX_STEPS = 4 * REQUEST_LIMITS.maxSteps;

const FLAGS = {
  model: MODEL_FLAG,
  image: valueFlag('FILE', 'the image to answer about, png, jpeg or webp (required)'),
  question: valueFlag('TEXT', 'what to ask (default: a request to describe the image in detail)'),
  ...samplingFlags(UNDERSTAND_DEFAULTS),
  'gen-length': valueFlag('N', `the longest answer, in tokens (default ${UNDERSTAND_DEFAULTS.genLength})`),
  'block-length': valueFlag(
    'N',
    `tokens decoded together, block after block (default ${UNDERSTAND_DEFAULTS.blockLength})`,
  ),
  cache: switchFlag(
    "the block cache: each block's later steps run only its own tokens; much faster, may answer slightly " +
      'differently; sampled answers (--temperature above 0) run without it (default: off)',
  ),
  ...ENGINE_FLAGS,
  out: valueFlag(
    'FILE',
    'also write the answer to this text file; an empty answer makes it empty (default: none)',
  ),
  json: JSON_FLAG,
} as const;

/**
 * Whether `--model` is a checkpoint make-test-checkpoint wrote: its answers are noise, said as the bot says it of
 * its bundled one. A folder the engine just opened; a config that cannot be read now is taken as a real one.
 */
function isRandomCheckpoint(model: string): boolean {
  try {
    return isGeneratedCheckpoint(JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')));
  } catch {
    return false;
  }
}

const EMPTY_ANSWER_HELP = [
  'An answer with no readable text is said on stderr ("the model gave no readable answer", and that the',
  'checkpoint is random where make-test-checkpoint wrote it); the exit code is still 0, stdout an empty line,',
  '--out an empty file and --json\'s "text" empty. Any answer of a random checkpoint is called meaningless there.',
].join('\n');

export const command: CliCommand = {
  flags: FLAGS,
  usage: `dimoo describe --model DIR --image FILE [--question TEXT] [--steps 128 --gen-length 128 --block-length 32 --temperature 0 --cfg 0 --seed N] [--cache] ${ENGINE_USAGE} [--out FILE.txt] [--json]`,
  help: `${limitsHelp({
    images: true,
    maxSteps: DESCRIBE_MAX_STEPS,
    more: [
      `--gen-length 1 to ${MAX_GEN_LENGTH}, a multiple of --block-length; --steps a multiple of the blocks`,
    ],
  })}\n\n${EMPTY_ANSWER_HELP}`,
  json: true,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const target = engineTarget(o);
    const imagePath = required('image', o.image);
    const settings = {
      question: o.question,
      ...samplingSettings(o),
      genLength: intOption('gen-length', o['gen-length']),
      blockLength: intOption('block-length', o['block-length']),
      ...(o.cache === true ? { cache: true } : {}),
    };
    // Everything that needs no model, before the model loads: the flags, the output path, the image. A blank
    // question is the engine's default one.
    if (settings.question?.trim()) checkPrompt(settings.question, { name: 'question' });
    checkSampling(settings, DESCRIBE_MAX_STEPS);
    checkAnswerPlan(settings);
    if (o.out) checkOutFile('out', o.out);
    const image = await readImageFile('image', imagePath);
    return withEngine({ ...target, mlCache: o.cache === true }, async (engine, interrupt) => {
      const result = await generateWithBar(engine, { task: 'understand', image, ...settings }, io, {
        json: o.json === true,
        kind: 'text',
        signal: interrupt.signal,
      });
      const empty = !result.text.trim();
      // An empty answer, an empty file: `test -s` tells it from an answer.
      if (o.out) writeOutputFile('out', o.out, empty ? '' : `${result.text}\n`);
      if (o.json) {
        io.stdout.write(
          `${JSON.stringify({
            text: result.text,
            tokens: result.tokens,
            seed: result.seed,
            steps: result.steps,
            cache: result.cache === true,
            device: engine.info.device,
            timings: result.timings,
            ...(o.out ? { out: o.out } : {}),
          })}\n`,
        );
      } else {
        io.stdout.write(`${result.text}\n`);
      }
      // As the bot says it, on stderr, so stdout stays the answer a script reads; last, once the outputs are
      // written. The run did what was asked: the exit code stays 0 (EMPTY_ANSWER_HELP).
      const random = isRandomCheckpoint(target.model);
      if (empty || random) {
        const said = empty ? 'the model gave no readable answer' : 'this answer is meaningless';
        const why = random
          ? ': the checkpoint is a random one (make-test-checkpoint), which answers noise'
          : '';
        io.stderr.write(`dimoo describe: ${said}${why}\n`);
      }
      return 0;
    });
  },
};
