import { PAINT_DEFAULTS, type PaintRegion } from '../../engine/index.js';
import { intOption, parse, required } from './args.js';
import { type CliCommand, UsageError } from './command.js';
import * as engineIo from './engine-io.js';
import { switchFlag, valueFlag } from './flag-help.js';
import { limitsHelp } from './help-text.js';
import {
  checkDilate,
  checkImageOut,
  checkMlCache,
  checkPaintRegion,
  checkPrompt,
  checkSampling,
} from './preflight.js';

type RegionSpec =
  | { kind: 'ratio'; mode: 'inpaint' | 'outpaint'; h: number; w: number }
  | { kind: 'boxes'; boxes: PaintRegion & { kind: 'boxes' } }
  | { kind: 'mask'; path: string }
  | { kind: 'extend'; region: PaintRegion }
  | { kind: 'scatter'; share: number };

/** Exactly one way of saying where to paint. */
function regionSpec(o: {
  inpaint?: boolean;
  outpaint?: boolean;
  ratio?: string;
  box?: string[];
  mask?: string;
  extend?: string;
  scatter?: string;
}): RegionSpec {
  const given = [o.ratio, o.box?.length ? o.box : undefined, o.mask, o.extend, o.scatter].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1)
    throw new UsageError('give exactly one of --ratio, --box, --mask, --extend or --scatter');
  if (o.inpaint && o.outpaint) throw new UsageError('--inpaint and --outpaint exclude each other');
  if (o.ratio !== undefined) {
    const [h, w] = engineIo.numberList('ratio', o.ratio, 2) as [number, number];
    return { kind: 'ratio', mode: o.outpaint ? 'outpaint' : 'inpaint', h, w };
  }
  if (o.outpaint) throw new UsageError('--outpaint goes with --ratio; use --extend to grow the canvas');
  if (o.box?.length) {
    const boxes = o.box.map((b) => {
      const [x, y, w, h] = engineIo.numberList('box', b, 4) as [number, number, number, number];
      return { x, y, w, h };
    });
    return { kind: 'boxes', boxes: { kind: 'boxes', boxes } };
  }
  if (o.mask !== undefined) return { kind: 'mask', path: o.mask };
  if (o.scatter !== undefined) {
    // The bot's Vary and Upscale: a share of all cells, picked by the seed, drawn again.
    const [share] = engineIo.numberList('scatter', o.scatter, 1) as [number];
    return { kind: 'scatter', share };
  }
  const [left, top, right, bottom] = engineIo.numberList('extend', o.extend ?? '', 4) as [
    number,
    number,
    number,
    number,
  ];
  return { kind: 'extend', region: { kind: 'extend', left, top, right, bottom } };
}

/** Where to paint is required: one of five flags, each of them saying so. */
const ONE_REGION = ' (required: exactly one of --ratio, --box, --mask, --extend or --scatter)';

const FLAGS = {
  model: engineIo.MODEL_FLAG,
  image: valueFlag('FILE', 'the image to paint on, png, jpeg or webp (required)'),
  prompt: valueFlag('TEXT', 'what to draw in the region (required)'),
  'negative-prompt': valueFlag('TEXT', 'what to steer away from; needs --cfg above 0 (default: none)'),
  inpaint: switchFlag('with --ratio: redraw the centred rectangle (the default; no need to give it)'),
  outpaint: switchFlag('with --ratio: keep the centred rectangle and redraw the rest (default: off)'),
  ratio: valueFlag(
    'H,W',
    "a centred rectangle, H and W fractions (0 to 1] of the image's height and width (upstream's mask_h_ratio, " +
      'mask_w_ratio)' +
      ONE_REGION,
  ),
  box: {
    ...valueFlag(
      'x,y,w,h',
      'a box in fractions of the image (0 to 1, from its top-left corner; not pixels), inside it: x+w and y+h at ' +
        'most 1; give --box again for more boxes' +
        ONE_REGION,
    ),
    multiple: true,
  },
  mask: valueFlag(
    'FILE',
    `an image the size of the input (another size is scaled): white is redrawn, black kept${ONE_REGION}`,
  ),
  extend: valueFlag(
    'l,t,r,b',
    'grow the canvas by these fractions of the width (left, right) and height (top, bottom) and draw the new ' +
      'border, e.g. --extend 0.25,0,0.25,0' +
      ONE_REGION,
  ),
  scatter: valueFlag(
    'SHARE',
    "redraw a share (0 to 1] of all cells, picked by the seed, as the bot's Vary does (it uses 0.3)" +
      ONE_REGION,
  ),
  dilate: valueFlag(
    'N',
    `grow the redrawn area by N cells (16 px) every way, 0 to 16 (default ${PAINT_DEFAULTS.dilate})`,
  ),
  'no-paste-back': switchFlag(
    `return the whole drawing; by default the input's own pixels are pasted back outside the redrawn area with a soft ` +
      `edge of ${PAINT_DEFAULTS.feather} pixels (never for --scatter)`,
  ),
  ...engineIo.samplingFlags(PAINT_DEFAULTS),
  cache: switchFlag("draw with upstream's ML-Cache, as imagine --cache, with its defaults (default: off)"),
  ...engineIo.ENGINE_FLAGS,
  out: engineIo.IMAGE_OUT_FLAG,
  json: engineIo.JSON_FLAG,
} as const;

export const command: CliCommand = {
  usage: `dimoo paint --model DIR --image FILE --prompt TEXT [--negative-prompt TEXT] [--inpaint|--outpaint] (--ratio H,W | --box x,y,w,h … | --mask FILE | --extend left,top,right,bottom | --scatter SHARE) [--dilate 0 --no-paste-back --steps 64 --cfg 4 --temperature 1 --seed N] [--cache] ${engineIo.ENGINE_USAGE} --out FILE.png|.jpg|.webp [--json]`,
  flags: FLAGS,
  help: limitsHelp({ images: true }),
  json: true,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const target = engineIo.engineTarget(o);
    const out = required('out', o.out);
    const imagePath = required('image', o.image);
    const prompt = required('prompt', o.prompt);
    const spec = regionSpec(o);
    const settings = {
      ...engineIo.samplingSettings(o),
      dilate: intOption('dilate', o.dilate),
      // Left to the engine unless refused: it pastes back except around scattered cells, where seams would show.
      ...(o['no-paste-back'] === true ? { pasteBack: false } : {}),
      // ML-Cache with its defaults, as `imagine --cache`.
      ...(o.cache === true ? { cache: true } : {}),
      ...(o['negative-prompt'] !== undefined ? { negativePrompt: o['negative-prompt'] } : {}),
    };
    // Everything that needs no model, before the model loads: the flags, the output path, the images.
    checkPrompt(prompt);
    checkSampling(settings);
    checkDilate(settings.dilate);
    if (settings.cache) checkMlCache(true, settings.steps);
    checkImageOut('out', out);
    const image = await engineIo.readImageFile('image', imagePath);
    let region: PaintRegion;
    switch (spec.kind) {
      case 'ratio':
        region = {
          kind: spec.mode === 'inpaint' ? 'inpaint_ratio' : 'outpaint_ratio',
          hRatio: spec.h,
          wRatio: spec.w,
        };
        break;
      case 'boxes':
        region = spec.boxes;
        break;
      case 'mask':
        region = { kind: 'mask', mask: await engineIo.readMaskFile(spec.path, image) };
        break;
      case 'extend':
        region = spec.region;
        break;
      case 'scatter':
        region = { kind: 'scatter', share: spec.share };
        break;
    }
    checkPaintRegion(target.model, region, image, settings);
    return engineIo.withEngine({ ...target, mlCache: o.cache === true }, async (engine, interrupt) => {
      const result = await engineIo.generateWithBar(
        engine,
        { task: 'paint', prompt, image, region, ...settings },
        io,
        { json: o.json === true, kind: 'image', signal: interrupt.signal },
      );
      await engineIo.reportImage(
        io,
        {
          json: o.json === true,
          out,
          device: engine.info.device,
          extra: { region: region.kind },
          made: {
            prompt,
            negativePrompt: settings.negativePrompt,
            task: `paint/${region.kind}`,
            cfg: settings.cfg,
          },
        },
        result,
      );
      return 0;
    });
  },
};
