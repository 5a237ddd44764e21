// What the task commands share: device and model options, reading input images (decoded with a pixel limit),
// writing PNGs, the token grid as rows, and turning engine failures into one line and exit 1.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  createEngine,
  type DeviceChoice,
  decodeImage,
  type Engine,
  EngineError,
  encodePng,
  type GenerationParameters,
  type ImageResult,
  parametersText,
  type RgbImage,
  withPngText,
} from '../../engine/index.js';
import { type CliIo, UsageError } from './command.js';

/** Largest input image the CLI decodes (sharp's limitInputPixels): 40 megapixels, as the job system. */
export const CLI_MAX_INPUT_PIXELS = 40_000_000;

export const ENGINE_OPTIONS = {
  model: { type: 'string' },
  device: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export function deviceOption(value: string | undefined): DeviceChoice {
  const device = (value ?? 'auto') as DeviceChoice;
  if (!['auto', 'cuda', 'cpu'].includes(device)) throw new UsageError('--device must be auto, cuda or cpu');
  return device;
}

/** `--model DIR`, or MODEL_DIR from the environment. */
export function modelOption(value: string | undefined): string {
  const dir = value ?? process.env.MODEL_DIR;
  if (!dir) throw new UsageError('--model is required (or set MODEL_DIR)');
  return dir;
}

/** Reads and decodes an image file; an unreadable file or a bad image is one EngineError naming the file. */
export async function readImageFile(flag: string, path: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new EngineError('image_invalid', `cannot read --${flag} ${path}: ${reason}`);
  }
  try {
    return await decodeImage(bytes, { maxPixels: CLI_MAX_INPUT_PIXELS });
  } catch (error) {
    if (error instanceof EngineError)
      throw new EngineError(error.code, `--${flag} ${path}: ${error.message}`);
    throw error;
  }
}

/** Writes the PNG, with the generation parameters in its `parameters` text chunk (as the playground's downloads). */
export async function writePng(
  path: string,
  image: RgbImage,
  parameters?: GenerationParameters,
): Promise<void> {
  const png = await encodePng(image);
  writeFileSync(path, parameters ? withPngText(png, { parameters: parametersText(parameters) }) : png);
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
    made: { prompt: string; task: string; cfg?: number };
  },
  result: ImageResult,
): Promise<void> {
  const { width, height } = result.image;
  await writePng(options.out, result.image, {
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

/** Opens the engine, runs `body`, always closes it; EngineError → one line on stderr and exit 1. */
export async function withEngine(
  command: string,
  options: { model: string; device: DeviceChoice },
  io: CliIo,
  body: (engine: Engine) => Promise<number>,
): Promise<number> {
  let engine: Engine | undefined;
  try {
    engine = await createEngine({ modelDir: options.model, device: options.device });
    return await body(engine);
  } catch (error) {
    if (error instanceof EngineError) {
      io.stderr.write(`dimoo ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await engine?.close();
  }
}

/** Parses `a,b,c` into exactly `count` finite numbers. */
export function numberList(flag: string, value: string, count: number): number[] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length !== count || !parts.every(Number.isFinite)) {
    throw new UsageError(`--${flag} takes ${count} comma-separated numbers, got "${value}"`);
  }
  return parts;
}
