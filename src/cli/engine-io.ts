// What the task commands share: device and model options (flags, else the environment or .env), reading input
// images (decoded with a pixel limit), writing images, the token grid as rows, and opening and closing the engine.
// Failures are reported by cli/main.ts.
import { readFileSync } from 'node:fs';
import {
  createEngine,
  DEVICE_CHOICES,
  type DeviceChoice,
  decodeImage,
  decodeMaskImage,
  type Engine,
  EngineError,
  type EngineRequest,
  type EngineResult,
  type GenerationParameters,
  type ImageResult,
  MAX_INPUT_PIXELS,
  PRECISIONS,
  type Precision,
  parametersText,
  type RgbImage,
  WEIGHT_QUANTS,
  type WeightQuant,
} from '../../engine/index.js';
import { readEnv } from '../config/index.js';
import { decimal, intOption, numberOption, oneOf, progressBar } from './args.js';
import { type CliIo, UsageError } from './command.js';
import { fileErrorReason, type OutputFile, writeOutputFiles } from './files.js';
import { switchFlag, valueFlag } from './flag-help.js';
import { IMAGE_FORMATS } from './help-text.js';
import { type Interruption, watchInterrupts } from './interrupt.js';
import { encodeOutput, outputFormatOf } from './output-format.js';

/**
 * Largest input image the CLI decodes (sharp's limitInputPixels): the engine's own limit (MAX_INPUT_PIXELS,
 * 4096², engine/tasks/context.ts), so a larger image is refused when it is read, not after the model loaded.
 */
export const CLI_MAX_INPUT_PIXELS = MAX_INPUT_PIXELS;

/**
 * A variable from the environment or `.env` (the environment wins), read as `dimoo config` and the bot read them:
 * a task command run beside the bot's `.env` finds the same MODEL_DIR.
 */
function setting(name: 'MODEL_DIR' | 'PRECISION' | 'QUANT' | 'DEVICE_MEMORY_GB'): string | undefined {
  // Trimmed, as the bot's config reads every value: `MODEL_DIR=/models/dimoo ` works for both.
  return readEnv()[name]?.trim() || undefined;
}

/** `--model`: every command that reads a checkpoint takes it so. */
export const MODEL_FLAG = valueFlag(
  'DIR',
  'the checkpoint folder, as published (Lumina-DiMOO) or as `dimoo make-test-checkpoint` writes a random one ' +
    '(default: MODEL_DIR from the environment or .env)',
);

export const DEVICE_MEMORY_FLAG = valueFlag(
  'N',
  'gigabytes of device memory the model may use: a request estimated to need more is refused before it runs ' +
    '(default: DEVICE_MEMORY_GB, else no limit)',
);

export const JSON_FLAG = switchFlag(
  'print the result as one JSON object on stdout; a failure is {"error":{"code","message"}} there too ' +
    '(default: plain text)',
);

/** `--out` of the commands that write an image. */
export const IMAGE_OUT_FLAG = valueFlag(
  'FILE',
  'the image to write, in the format its name ends in: .png, .jpg (.jpeg) or .webp (required)',
);

/** How the engine runs: `--device`, `--precision`, `--quant`, `--device-memory-gb`. */
export const ENGINE_FLAGS = {
  device: valueFlag(
    DEVICE_CHOICES.join('|'),
    'where the model runs: auto is CUDA when it can load, else the CPU (default auto)',
  ),
  precision: valueFlag(
    PRECISIONS.join('|'),
    "the transformer's arithmetic: auto is fp16 on CUDA, fp32 on the CPU (default: PRECISION, else auto)",
  ),
  quant: valueFlag(
    WEIGHT_QUANTS.join('|'),
    'quantized linear weights, made once into ~/.cache/dimoo (default: QUANT, else none)',
  ),
  'device-memory-gb': DEVICE_MEMORY_FLAG,
} as const;

/**
 * `--steps --cfg --temperature --seed`, the sampling every task takes, with the defaults the task uses when one
 * is not given (the engine's own, or the command's where it sets them).
 */
export function samplingFlags(defaults: { steps: number; cfg: number; temperature: number }) {
  return {
    steps: valueFlag('N', `denoising steps (default ${defaults.steps})`),
    cfg: valueFlag(
      'X',
      `classifier-free guidance: how closely to follow the prompt; 0 for none (default ${defaults.cfg})`,
    ),
    temperature: valueFlag(
      'X',
      `sampling temperature; 0 picks the likeliest token every time (default ${defaults.temperature})`,
    ),
    seed: valueFlag(
      'N',
      'the random seed: the same seed and settings give the same result (default: random, reported)',
    ),
  } as const;
}

type SamplingFlags = { steps?: string; cfg?: string; temperature?: string; seed?: string };
type Sampling<T> = { steps: T; cfg: T; temperature: T; seed: number | undefined };

/** The sampling flags as numbers; absent ones take the command's `defaults`, or stay absent (the engine's). */
export function samplingSettings(o: SamplingFlags): Sampling<number | undefined>;
export function samplingSettings(
  o: SamplingFlags,
  defaults: Omit<Sampling<number>, 'seed'>,
): Sampling<number>;
export function samplingSettings(
  o: SamplingFlags,
  defaults: Partial<Omit<Sampling<number>, 'seed'>> = {},
): Sampling<number | undefined> {
  return {
    steps: intOption('steps', o.steps, defaults.steps),
    cfg: numberOption('cfg', o.cfg, defaults.cfg),
    temperature: numberOption('temperature', o.temperature, defaults.temperature),
    seed: intOption('seed', o.seed),
  };
}

/**
 * Runs one request with the progress bar (a terminal, not --json), stopped by `signal` (Ctrl-C, withEngine's);
 * the result must be of the kind asked.
 */
export async function generateWithBar<K extends EngineResult['kind']>(
  engine: Engine,
  request: EngineRequest,
  io: CliIo,
  options: { json: boolean; kind: K; signal: AbortSignal },
): Promise<Extract<EngineResult, { kind: K }>> {
  const bar = progressBar(io.stderr, options.json);
  let result: EngineResult;
  try {
    result = await engine.generate(request, {
      signal: options.signal,
      // The finishing report repeats the last step: drawn again, the full bar would print a second line.
      onProgress: (p) => p.phase || bar(p.step, p.total),
    });
  } finally {
    bar.end();
  }
  if (result.kind !== options.kind) throw new Error(`${request.task} returned no ${options.kind}`);
  return result as Extract<EngineResult, { kind: K }>;
}

/** How the engine runs: `--device`, `--precision`, `--quant`, `--device-memory-gb` (PRECISION, QUANT, DEVICE_MEMORY_GB). */
export interface EngineSettings {
  device: DeviceChoice;
  precision: Precision;
  quant: WeightQuant;
  deviceMemoryBudget?: number;
}

export const ENGINE_USAGE = `[--device ${DEVICE_CHOICES.join('|')}] [--precision ${PRECISIONS.join('|')}] [--quant ${WEIGHT_QUANTS.join('|')}] [--device-memory-gb N]`;

/** `--device-memory-gb` (or DEVICE_MEMORY_GB) in bytes; undefined when neither is set. */
export function deviceMemoryBudget(flag: string | undefined): number | undefined {
  // An empty variable is an unset one; an empty flag (`--device-memory-gb=`) is a mistake, refused below.
  const memory = flag ?? setting('DEVICE_MEMORY_GB');
  const gb = memory === undefined ? undefined : decimal(memory);
  if (gb !== undefined && !(Number.isFinite(gb) && gb > 0))
    throw new UsageError(`--device-memory-gb must be a number of gigabytes above 0, got "${memory}"`);
  return gb === undefined ? undefined : Math.round(gb * 1e9);
}

export function engineSettings(o: {
  device?: string;
  precision?: string;
  quant?: string;
  'device-memory-gb'?: string;
}): EngineSettings {
  const budget = deviceMemoryBudget(o['device-memory-gb']);
  return {
    device: oneOf('device', o.device ?? 'auto', DEVICE_CHOICES),
    precision: oneOf('precision', o.precision ?? setting('PRECISION') ?? 'auto', PRECISIONS),
    quant: oneOf('quant', o.quant ?? setting('QUANT') ?? 'none', WEIGHT_QUANTS),
    deviceMemoryBudget: budget,
  };
}

/** The checkpoint and how to run it: what `withEngine` opens. */
export function engineTarget(o: Parameters<typeof engineSettings>[0] & { model?: string }): {
  model: string;
} & EngineSettings {
  return { model: modelOption(o.model), ...engineSettings(o) };
}

/** `--model DIR`, or MODEL_DIR from the environment or `.env`. */
export function modelOption(value: string | undefined): string {
  const dir = value ?? setting('MODEL_DIR');
  if (!dir)
    throw new UsageError(
      '--model is required (or set MODEL_DIR in the environment or .env): the folder of a downloaded Lumina-DiMOO, ' +
        'or a random one to try the CLI on from `npx dimoo make-test-checkpoint`',
    );
  return dir;
}

/** Reads and decodes an image file; an unreadable file or a bad image is one EngineError naming the file. */
export async function readImageFile(flag: string, path: string): Promise<RgbImage> {
  return readDecoded(flag, path, (bytes) => decodeImage(bytes, { maxPixels: CLI_MAX_INPUT_PIXELS }));
}

/**
 * Reads `--mask`: its transparency means "keep" or marks holes as `readMask` judges against the `--image` picture,
 * never the white a picture's transparency is flattened onto.
 */
export async function readMaskFile(path: string, picture: RgbImage): Promise<RgbImage> {
  return readDecoded('mask', path, (bytes) =>
    decodeMaskImage(bytes, { maxPixels: CLI_MAX_INPUT_PIXELS }, picture),
  );
}

async function readDecoded(
  flag: string,
  path: string,
  decode: (bytes: Uint8Array) => Promise<RgbImage>,
): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new EngineError('image_invalid', `cannot read --${flag} ${path}: ${fileErrorReason(error)}`);
  }
  try {
    return await decode(bytes);
  } catch (error) {
    // An unknown format is named as the header sniffer names it ("isobmff:avif"): say which ones are read.
    const hint =
      error instanceof EngineError && error.code === 'image_unsupported' ? ` (use ${IMAGE_FORMATS})` : '';
    if (error instanceof EngineError)
      throw new EngineError(error.code, `--${flag} ${path}: ${error.message}${hint}`);
    throw error;
  }
}

/**
 * An image output in the format its name asks for (output-format.ts: PNG, JPEG or WebP), with the generation
 * parameters in it (as the playground's downloads); `flag` names the path in a failure. Written by
 * `writeOutputFiles`, alone or with the outputs it belongs with.
 */
export async function imageFile(
  path: string,
  image: RgbImage,
  parameters?: GenerationParameters,
  flag = 'out',
): Promise<OutputFile> {
  const format = outputFormatOf(flag, path);
  return { flag, path, data: await encodeOutput(image, format, parameters && parametersText(parameters)) };
}

/** Writes one image (`imageFile`) whole or not at all. */
async function writeImage(
  path: string,
  image: RgbImage,
  parameters?: GenerationParameters,
  flag = 'out',
): Promise<void> {
  writeOutputFiles([await imageFile(path, image, parameters, flag)]);
}

export function tokenRows(tokens: { rows: number; cols: number; data: Int32Array }): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < tokens.rows; r++)
    rows.push(Array.from(tokens.data.subarray(r * tokens.cols, (r + 1) * tokens.cols)));
  return rows;
}

/**
 * Writes an image result to `out` and reports it: with `--json` one JSON object on stdout (`extra` first, then
 * seed, size, steps, device, token grid, timings, out), otherwise one line on stderr.
 */
export async function reportImage(
  io: CliIo,
  options: {
    json: boolean;
    out: string;
    device: string;
    extra?: Record<string, unknown>;
    /** What the PNG's `parameters` chunk names besides what the result knows (seed, size, steps). */
    made: { prompt: string; negativePrompt?: string; task: string; cfg?: number };
  },
  result: ImageResult,
): Promise<void> {
  const { width, height } = result.image;
  await writeImage(options.out, result.image, {
    ...options.made,
    seed: result.seed,
    steps: result.steps,
    width,
    height,
  });
  if (!options.json) {
    io.stderr.write(`wrote ${options.out} (${width}×${height}, seed ${result.seed})\n`);
    return;
  }
  const report = {
    ...options.extra,
    seed: result.seed,
    width,
    height,
    steps: result.steps,
    device: options.device,
    tokens: tokenRows(result.tokens),
    timings: result.timings,
    out: options.out,
  };
  io.stdout.write(`${JSON.stringify(report)}\n`);
}

/**
 * Opens the engine, runs `body`, always closes it; failures reach cli/main.ts, which reports them. `mlCache`: the
 * command asked for a cache (`--cache`), which the drawing graph holds (ML-Cache's interval, describe's block
 * loop). Call it only after every check that needs no model: loading one takes minutes.
 *
 * While `body` runs, Ctrl-C aborts `interrupt.signal` (interrupt.ts), which `body` hands to the engine; a generation
 * it stopped is reported as interrupted, nothing written. While the model loads, Ctrl-C ends the process at once,
 * as usual: nothing is written then either, and a load does not stop between steps.
 */
export async function withEngine(
  options: { model: string; mlCache?: boolean } & EngineSettings,
  body: (engine: Engine, interrupt: Interruption) => Promise<number>,
): Promise<number> {
  const { model, mlCache = false, ...settings } = options;
  // One command, one task: sessions it does not need are never opened.
  const engine = await createEngine({ modelDir: model, ...settings, warm: false, mlCache });
  const interrupt = watchInterrupts();
  try {
    return await body(engine, interrupt);
  } catch (error) {
    throw interrupt.translate(error, 'nothing was written');
  } finally {
    interrupt.dispose();
    await engine.close();
  }
}

/** Parses `a,b,c` into exactly `count` finite numbers. */
export function numberList(flag: string, value: string, count: number): number[] {
  const parts = value.split(',').map((s) => decimal(s));
  if (parts.length !== count || !parts.every(Number.isFinite)) {
    throw new UsageError(`--${flag} takes ${count} comma-separated numbers, got "${value}"`);
  }
  return parts;
}
