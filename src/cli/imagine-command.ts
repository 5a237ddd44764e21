import {
  ML_CACHE_DEFAULTS,
  type MlCacheOptions,
  REQUEST_LIMITS,
  TEXT_TO_IMAGE_DEFAULTS,
} from '../../engine/index.js';
import { intOption, numberOption, parse, required } from './args.js';
import { type CliCommand, UsageError } from './command.js';
import {
  ENGINE_FLAGS,
  ENGINE_USAGE,
  engineTarget,
  generateWithBar,
  IMAGE_OUT_FLAG,
  imageFile,
  JSON_FLAG,
  MODEL_FLAG,
  samplingFlags,
  samplingSettings,
  tokenRows,
  withEngine,
} from './engine-io.js';
import { writeOutputFiles } from './files.js';
import { switchFlag, valueFlag } from './flag-help.js';
import { limitsHelp } from './help-text.js';
import {
  checkCount,
  checkImageOut,
  checkMlCache,
  checkPrompt,
  checkSampling,
  checkSize,
} from './preflight.js';

/**
 * `--cache`, or ML-Cache with the parameters given (any of them implies --cache; the rest keep upstream's
 * defaults). Ranges are checked here in one line; refresh_interval's upper bound depends on the steps
 * (preflight.ts `checkMlCache`).
 */
function mlCacheOption(o: {
  cache?: boolean;
  'cache-ratio'?: string;
  'warmup-ratio'?: string;
  'refresh-interval'?: string;
}): MlCacheOptions | boolean {
  const given = [o['cache-ratio'], o['warmup-ratio'], o['refresh-interval']].some((v) => v !== undefined);
  if (!given) return o.cache === true;
  const cacheRatio = numberOption('cache-ratio', o['cache-ratio'], ML_CACHE_DEFAULTS.cacheRatio) as number;
  const warmupRatio = numberOption(
    'warmup-ratio',
    o['warmup-ratio'],
    ML_CACHE_DEFAULTS.warmupRatio,
  ) as number;
  const refreshInterval = intOption(
    'refresh-interval',
    o['refresh-interval'],
    ML_CACHE_DEFAULTS.refreshInterval,
  ) as number;
  if (!(cacheRatio > 0 && cacheRatio < 1))
    throw new UsageError(`--cache-ratio must be in (0, 1), got ${cacheRatio}`);
  if (!(warmupRatio >= 0 && warmupRatio < 1))
    throw new UsageError(`--warmup-ratio must be in [0, 1), got ${warmupRatio}`);
  if (!(refreshInterval > 1))
    throw new UsageError(`--refresh-interval must be at least 2, got ${refreshInterval}`);
  return { cacheRatio, warmupRatio, refreshInterval };
}

/** The playground's default size too (the 512 size class at 1:1). */
const SIZE = 512;
const { cacheRatio, warmupRatio, refreshInterval } = ML_CACHE_DEFAULTS;

const FLAGS = {
  model: MODEL_FLAG,
  prompt: valueFlag('TEXT', 'what to draw (required)'),
  'negative-prompt': valueFlag('TEXT', 'what to steer away from; needs --cfg above 0 (default: none)'),
  width: valueFlag('N', `the image's width in pixels, a multiple of 16 (default ${SIZE})`),
  height: valueFlag('N', `the image's height in pixels, a multiple of 16 (default ${SIZE})`),
  ...samplingFlags(TEXT_TO_IMAGE_DEFAULTS),
  count: valueFlag(
    'N',
    `images to draw, 1 to ${REQUEST_LIMITS.maxCount}: with more, --out is their grid and each image is written beside ` +
      'it (fox.png: fox-1.png, fox-2.png, …) with the seed that draws it alone (default 1)',
  ),
  cache: switchFlag(
    "draw with upstream's ML-Cache: most steps recompute only the least confident tokens; faster, slightly " +
      'different (default: off)',
  ),
  'cache-ratio': valueFlag(
    'X',
    `ML-Cache: share of tokens kept cached, in (0, 1); implies --cache (default ${cacheRatio})`,
  ),
  'warmup-ratio': valueFlag(
    'X',
    `ML-Cache: share of the first steps run whole, in [0, 1); implies --cache (default ${warmupRatio})`,
  ),
  'refresh-interval': valueFlag(
    'N',
    `ML-Cache: every N-th step runs whole, at least 2; implies --cache (default ${refreshInterval})`,
  ),
  ...ENGINE_FLAGS,
  out: IMAGE_OUT_FLAG,
  json: JSON_FLAG,
} as const;

export const command: CliCommand = {
  usage: `dimoo imagine --model DIR --prompt TEXT [--negative-prompt TEXT] [--width ${SIZE} --height ${SIZE} --steps 64 --cfg 4 --temperature 1 --seed N] [--count 1-4] [--cache] [--cache-ratio ${cacheRatio} --warmup-ratio ${warmupRatio} --refresh-interval ${refreshInterval}] ${ENGINE_USAGE} --out FILE.png|.jpg|.webp [--json]`,
  flags: FLAGS,
  help: limitsHelp({
    size: true,
    more: [`--count 1 to ${REQUEST_LIMITS.maxCount}; more than one needs --temperature above 0`],
  }),
  json: true,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const target = engineTarget(o);
    const out = required('out', o.out);
    const request = {
      task: 'text_to_image' as const,
      prompt: required('prompt', o.prompt),
      width: intOption('width', o.width, SIZE) as number,
      height: intOption('height', o.height, SIZE) as number,
      ...samplingSettings(o, TEXT_TO_IMAGE_DEFAULTS),
      cache: mlCacheOption(o),
      ...(o['negative-prompt'] !== undefined ? { negativePrompt: o['negative-prompt'] } : {}),
      // Several images: their grid is --out, each one beside it (`fox.png` → `fox-1.png`, `fox-2.png`, …).
      ...(o.count !== undefined ? { count: intOption('count', o.count, 1) } : {}),
    };
    // Everything that needs no model, before the model loads; the grid's images go beside --out.
    checkPrompt(request.prompt);
    checkSize(request.width, request.height);
    checkSampling(request);
    checkCount(request.count, request.temperature);
    checkMlCache(request.cache, request.steps);
    checkImageOut('out', out);
    // One image: the VQ encoder is never needed, so nothing opens before its first use. The drawing graph carries
    // ML-Cache's interval only when this image asks for it: a smaller graph to open.
    return withEngine({ ...target, mlCache: request.cache !== false }, async (engine, interrupt) => {
      const result = await generateWithBar(engine, request, io, {
        json: o.json === true,
        kind: 'image',
        signal: interrupt.signal,
      });
      const parameters = {
        prompt: request.prompt,
        negativePrompt: request.negativePrompt,
        task: request.task,
        cfg: request.cfg,
        steps: result.steps,
      };
      const each = (result.candidates ?? []).map((c, i) => ({ ...c, out: numbered(out, i + 1) }));
      // The grid and its images as one set: a full disk leaves none of them, not a grid without its images.
      writeOutputFiles([
        await imageFile(out, result.image, { ...parameters, seed: result.seed, ...sizeOf(result.image) }),
        ...(await Promise.all(
          each.map((c) => imageFile(c.out, c.image, { ...parameters, seed: c.seed, ...sizeOf(c.image) })),
        )),
      ]);
      if (o.json) {
        io.stdout.write(
          `${JSON.stringify({
            seed: result.seed,
            width: result.image.width,
            height: result.image.height,
            steps: result.steps,
            device: engine.info.device,
            precision: engine.info.precision,
            quant: engine.info.quant,
            tokens: tokenRows(result.tokens),
            timings: result.timings,
            out,
            ...(each.length > 0 ? { images: each.map((c) => ({ seed: c.seed, out: c.out })) } : {}),
          })}\n`,
        );
      } else {
        const took = `${Math.round(result.timings.total_ms)} ms on ${engine.info.device}`;
        // A grid: the tiled picture, then each image with the seed that draws it alone.
        io.stderr.write(
          each.length > 0
            ? `wrote ${out} (a grid of ${each.length}, ${took})\n${each.map((c) => `wrote ${c.out} (seed ${c.seed})\n`).join('')}`
            : `wrote ${out} (seed ${result.seed}, ${took})\n`,
        );
      }
      return 0;
    });
  },
};

const sizeOf = (image: { width: number; height: number }) => ({ width: image.width, height: image.height });

/** `out.png` → `out-2.png`: the files of a grid's images, beside the grid. */
function numbered(out: string, n: number): string {
  const dot = out.lastIndexOf('.');
  return dot > out.lastIndexOf('/') ? `${out.slice(0, dot)}-${n}${out.slice(dot)}` : `${out}-${n}`;
}
