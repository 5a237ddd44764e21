import { EDIT_TYPES, inferEditType } from '../../engine/index.js';
import { intOption, numberOption, parse, progressBar, required } from './args.js';
import type { CliCommand } from './command.js';
import {
  ENGINE_OPTIONS,
  ENGINE_USAGE,
  engineSettings,
  modelOption,
  readImageFile,
  reportImage,
  withEngine,
} from './engine-io.js';

export const command: CliCommand = {
  usage: `dimoo edit --model DIR --image FILE [--type TYPE] --prompt TEXT [--ref-image FILE] [--cfg 2.5 --cfg-img 4 --steps 64 --temperature 1 --seed N] [--dense-prompt] ${ENGINE_USAGE} --out FILE.png [--json]`,
  help: [
    'Edit types (--type):',
    ...EDIT_TYPES.map((type) => `  ${type}`),
    '  multi_view_<direction>',
    'Without --type the instruction names it, as in the playground: "remove …" edit_remove, "add …" edit_add,',
    'anything about the background edit_background, otherwise edit_replace.',
  ].join('\n'),
  async run(argv, io) {
    const o = parse(argv, {
      ...ENGINE_OPTIONS,
      image: { type: 'string' },
      type: { type: 'string' },
      prompt: { type: 'string' },
      'ref-image': { type: 'string' },
      cfg: { type: 'string' },
      'cfg-img': { type: 'string' },
      steps: { type: 'string' },
      temperature: { type: 'string' },
      'dense-prompt': { type: 'boolean' },
    });
    const engineChoice = engineSettings(o);
    const model = modelOption(o.model);
    const out = required('out', o.out);
    const imagePath = required('image', o.image);
    const prompt = o.prompt ?? '';
    const editType = o.type ?? inferEditType(prompt);
    const settings = {
      steps: intOption('steps', o.steps),
      cfg: numberOption('cfg', o.cfg),
      cfgImg: numberOption('cfg-img', o['cfg-img']),
      temperature: numberOption('temperature', o.temperature),
      seed: intOption('seed', o.seed),
    };
    if (o.type === undefined && o.json !== true)
      io.stderr.write(`edit type ${editType} (from the instruction; --type chooses another)\n`);
    return withEngine('edit', { model, ...engineChoice }, io, async (engine) => {
      const image = await readImageFile('image', imagePath);
      const refImage = o['ref-image'] ? await readImageFile('ref-image', o['ref-image']) : undefined;
      const bar = progressBar(io.stderr, o.json === true);
      const result = await engine.generate(
        {
          task: 'image_to_image',
          editType,
          prompt,
          image,
          refImage,
          densePrompt: o['dense-prompt'] === true,
          ...settings,
        },
        { onProgress: (p) => bar(p.step, p.total) },
      );
      if (result.kind !== 'image') throw new Error('image-to-image returned no image');
      await reportImage(
        io,
        {
          json: o.json === true,
          out,
          device: engine.info.device,
          extra: { type: editType },
          made: { prompt, task: `image_to_image/${editType}`, cfg: settings.cfg },
        },
        result,
      );
      return 0;
    });
  },
};
