import { writeFileSync } from 'node:fs';
import { intOption, numberOption, parse, progressBar, required } from './args.js';
import type { CliCommand } from './command.js';
import {
  ENGINE_OPTIONS,
  ENGINE_USAGE,
  engineSettings,
  modelOption,
  readImageFile,
  withEngine,
} from './engine-io.js';

export const command: CliCommand = {
  usage: `dimoo describe --model DIR --image FILE [--question TEXT] [--steps 128 --gen-length 128 --block-length 32 --temperature 0 --cfg 0 --seed N] ${ENGINE_USAGE} [--out FILE.txt] [--json]`,
  async run(argv, io) {
    const o = parse(argv, {
      ...ENGINE_OPTIONS,
      image: { type: 'string' },
      question: { type: 'string' },
      steps: { type: 'string' },
      'gen-length': { type: 'string' },
      'block-length': { type: 'string' },
      temperature: { type: 'string' },
      cfg: { type: 'string' },
    });
    const engineChoice = engineSettings(o);
    const model = modelOption(o.model);
    const imagePath = required('image', o.image);
    const settings = {
      question: o.question,
      steps: intOption('steps', o.steps),
      genLength: intOption('gen-length', o['gen-length']),
      blockLength: intOption('block-length', o['block-length']),
      temperature: numberOption('temperature', o.temperature),
      cfg: numberOption('cfg', o.cfg),
      seed: intOption('seed', o.seed),
    };
    return withEngine('describe', { model, ...engineChoice }, io, async (engine) => {
      const image = await readImageFile('image', imagePath);
      const bar = progressBar(io.stderr, o.json === true);
      const result = await engine.generate(
        { task: 'understand', image, ...settings },
        { onProgress: (p) => bar(p.step, p.total) },
      );
      if (result.kind !== 'text') throw new Error('understanding returned no text');
      if (o.out) writeFileSync(o.out, `${result.text}\n`);
      if (o.json) {
        io.stdout.write(
          `${JSON.stringify({
            text: result.text,
            tokens: result.tokens,
            seed: result.seed,
            steps: result.steps,
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
