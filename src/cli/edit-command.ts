import { EDIT_TYPES, IMAGE_TO_IMAGE_DEFAULTS, inferEditType, REQUEST_LIMITS } from '../../engine/index.js';
import { numberOption, parse, required } from './args.js';
import type { CliCommand } from './command.js';
import {
  ENGINE_FLAGS,
  ENGINE_USAGE,
  engineTarget,
  generateWithBar,
  IMAGE_OUT_FLAG,
  JSON_FLAG,
  MODEL_FLAG,
  readImageFile,
  reportImage,
  samplingFlags,
  samplingSettings,
  withEngine,
} from './engine-io.js';
import { switchFlag, valueFlag } from './flag-help.js';
import { limitsHelp } from './help-text.js';
import { checkEditType, checkImageOut, checkPrompt, checkSampling } from './preflight.js';

const FLAGS = {
  model: MODEL_FLAG,
  image: valueFlag('FILE', 'the image to edit, png, jpeg or webp (required)'),
  type: valueFlag('TYPE', 'the edit type, one of those below (default: named from --prompt, as below)'),
  prompt: valueFlag(
    'TEXT',
    'the instruction ("add a hat"); which types need one is said below (default: none)',
  ),
  'ref-image': valueFlag(
    'FILE',
    'the style image of image_ref_transfer, which needs it (--image gives the content) (default: none)',
  ),
  ...samplingFlags(IMAGE_TO_IMAGE_DEFAULTS),
  'cfg-img': valueFlag(
    'X',
    `image guidance: how closely to keep to --image; 0 for none (default ${IMAGE_TO_IMAGE_DEFAULTS.cfgImg})`,
  ),
  'dense-prompt': switchFlag(
    "the *_pred types: upstream's dense_prediction system prompt instead of its fallback one (default: off)",
  ),
  ...ENGINE_FLAGS,
  out: IMAGE_OUT_FLAG,
  json: JSON_FLAG,
} as const;

export const command: CliCommand = {
  usage: `dimoo edit --model DIR --image FILE [--type TYPE] [--prompt TEXT] [--ref-image FILE] [--cfg 2.5 --cfg-img 4 --steps 64 --temperature 1 --seed N] [--dense-prompt] ${ENGINE_USAGE} --out FILE.png|.jpg|.webp [--json]`,
  flags: FLAGS,
  help: [
    'Edit types (--type):',
    ...EDIT_TYPES.map((type) => `  ${type}`),
    '  multi_view_<direction>',
    'Without --type the instruction names it, as in the playground: "remove …" edit_remove, "add …" edit_add,',
    'anything about the background edit_background, otherwise edit_replace.',
    'Every type needs --prompt but the *_pred types (an empty one asks for the map), image_ref_transfer and',
    'multi_view_<direction>, which write their own.',
    limitsHelp({ images: true, more: [`--cfg-img 0 to ${REQUEST_LIMITS.maxGuidance}`] }),
  ].join('\n'),
  json: true,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const target = engineTarget(o);
    const out = required('out', o.out);
    const imagePath = required('image', o.image);
    const prompt = o.prompt ?? '';
    const editType = o.type ?? inferEditType(prompt);
    const settings = { ...samplingSettings(o), cfgImg: numberOption('cfg-img', o['cfg-img']) };
    // Everything that needs no model, before the model loads: the flags, the output path, the images.
    checkPrompt(prompt, { allowEmpty: true });
    checkEditType(editType, {
      prompt,
      hasRefImage: Boolean(o['ref-image']),
      densePrompt: o['dense-prompt'] === true,
    });
    checkSampling(settings);
    checkImageOut('out', out);
    const image = await readImageFile('image', imagePath);
    const refImage = o['ref-image'] ? await readImageFile('ref-image', o['ref-image']) : undefined;
    return withEngine(target, async (engine, interrupt) => {
      // Said once the model is open, so a failure before it stays one line.
      if (o.type === undefined && o.json !== true)
        io.stderr.write(`edit type ${editType} (from the instruction; --type chooses another)\n`);
      const request = {
        task: 'image_to_image' as const,
        editType,
        prompt,
        image,
        refImage,
        densePrompt: o['dense-prompt'] === true,
        ...settings,
      };
      const result = await generateWithBar(engine, request, io, {
        json: o.json === true,
        kind: 'image',
        signal: interrupt.signal,
      });
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
