import { MAX_GEN_LENGTH, REQUEST_LIMITS } from '../../engine/index.js';
import { intOption, parse, required } from './args.js';
import type { CliCommand } from './command.js';
import {
  ENGINE_USAGE,
  engineTarget,
  generateWithBar,
  readImageFile,
  samplingSettings,
  TASK_OPTIONS,
  withEngine,
} from './engine-io.js';
import { writeOutputFile } from './files.js';
import { limitsHelp } from './help-text.js';
import { checkAnswerPlan, checkOutFile, checkPrompt, checkSampling } from './preflight.js';

/** describe's steps go to 4 × the image tasks' limit (engine/tasks/understand.ts): one or more per answer token. */
const DESCRIBE_MAX_STEPS = 4 * REQUEST_LIMITS.maxSteps;

export const command: CliCommand = {
  usage: `dimoo describe --model DIR --image FILE [--question TEXT] [--steps 128 --gen-length 128 --block-length 32 --temperature 0 --cfg 0 --seed N] [--cache] ${ENGINE_USAGE} [--out FILE.txt] [--json]`,
  help: limitsHelp({
    images: true,
    maxSteps: DESCRIBE_MAX_STEPS,
    more: [
      `--gen-length 1 to ${MAX_GEN_LENGTH}, a multiple of --block-length; --steps a multiple of the blocks`,
    ],
  }),
  json: true,
  async run(argv, io) {
    const o = parse(argv, {
      image: { type: 'string' },
      question: { type: 'string' },
      ...TASK_OPTIONS,
      'gen-length': { type: 'string' },
      'block-length': { type: 'string' },
      cache: { type: 'boolean' },
    });
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
      // Said on stderr, so stdout stays the answer a script reads: an empty one is most often a random checkpoint's.
      if (!result.text.trim())
        io.stderr.write(
          'dimoo describe: the model gave no readable answer (a random checkpoint, as make-test-checkpoint writes, answers noise)\n',
        );
      if (o.out) writeOutputFile('out', o.out, `${result.text}\n`);
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
      return 0;
    });
  },
};
