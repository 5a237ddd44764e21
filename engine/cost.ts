// The cost model of engine-design §4: forward-token units, with attention's L² term folded in.
// The scheduler uses these units for fairness and ETAs and calibrates seconds-per-unit from measured runs.
import type { EngineRequest, PaintRequest } from './api.js';
import { planExtension } from './paint/mask.js';
import { LIMITS } from './tasks/context.js';

export interface CostDims {
  dModel: number;
  mlpHidden: number;
}

/** LLaDA-8B: the default when a request is priced before the model is loaded. */
export const DIMOO_DIMS: CostDims = { dModel: 4096, mlpHidden: 12288 };

// The template around the user's text ("<system>…</system><user>…</user>") and a rough text token rate;
// estimates only need to rank and roughly size jobs.
const TEMPLATE_TOKENS = 40;
const CHARS_PER_TOKEN = 3;
const INPUT_IMAGE_512_TOKENS = 32 * 33 + 2;
const INPUT_IMAGE_1024_TOKENS = 64 * 65 + 2;

function promptTokens(text: string | undefined): number {
  return TEMPLATE_TOKENS + Math.ceil((text?.length ?? 0) / CHARS_PER_TOKEN);
}

function imageBlockTokens(width: number, height: number): number {
  const rows = Math.floor(height / 16);
  const cols = Math.floor(width / 16);
  return rows * (cols + 1) + 4;
}

function imageCells(width: number, height: number): number {
  return Math.floor(height / 16) * Math.floor(width / 16);
}

/** Cost of one forward over L tokens, in token units: dense work plus attention's share (4·L·d vs per-token FLOPs). */
export function forwardUnits(length: number, dims: CostDims): number {
  const attentionShare = (2 * length) / (4 * dims.dModel + 3 * dims.mlpHidden);
  return length * (1 + attentionShare);
}

/** One forward pass of a request: how many rows run together (guidance branches) and how long each row is. */
export interface ForwardShape {
  rows: number;
  length: number;
  /** Positions the head scores each step and over how many classes (image cells × codebook, or answer × vocab). */
  scored: number;
  classes: 'codebook' | 'vocab';
  steps: number;
}

export function forwardShape(request: EngineRequest): ForwardShape {
  switch (request.task) {
    case 'text_to_image':
      return {
        // Every image of a `count` runs its own guidance rows in the same forward pass.
        rows: ((request.cfg ?? 4) > 0 ? 2 : 1) * (request.count ?? 1),
        // The rows are padded to the longer prompt: the guidance branch's may be a long negative prompt.
        length:
          Math.max(promptTokens(request.prompt), promptTokens(request.negativePrompt)) +
          imageBlockTokens(request.width, request.height),
        scored: imageCells(request.width, request.height),
        classes: 'codebook',
        steps: request.steps ?? 64,
      };
    case 'image_to_image': {
      const images = request.refImage ? 2 : 1;
      const guided = (request.cfg ?? 2.5) > 0 || (request.cfgImg ?? 4) > 0;
      return {
        rows: guided ? 3 : 1,
        length: promptTokens(request.prompt) + (images + 1) * INPUT_IMAGE_512_TOKENS,
        scored: 32 * 32,
        classes: 'codebook',
        steps: (request.steps ?? 64) * (request.count ?? 1),
      };
    }
    case 'paint': {
      const canvas = paintCanvas(request);
      return {
        rows: (request.cfg ?? 4) > 0 ? 2 : 1,
        length:
          Math.max(promptTokens(request.prompt), promptTokens(request.negativePrompt)) +
          imageBlockTokens(canvas.width, canvas.height),
        scored: imageCells(canvas.width, canvas.height),
        classes: 'codebook',
        // A paint request's images are drawn one after another: more steps, not more rows at once.
        steps: (request.steps ?? 64) * (request.count ?? 1),
      };
    }
    case 'understand':
      return {
        rows: (request.cfg ?? 0) > 0 ? 2 : 1,
        length: promptTokens(request.question) + INPUT_IMAGE_1024_TOKENS + (request.genLength ?? 128) + 2,
        scored: request.blockLength ?? 32,
        classes: 'vocab',
        steps: request.steps ?? 128,
      };
  }
}

/**
 * The image a paint encodes, samples and decodes: a canvas extension's grown canvas (a 2× zoom-out of a 1024² source
 * is a 2048² job, four times the cells of its source), else the source. An extension the task would refuse is priced
 * at its source: the job fails at its start, and pricing is no place to refuse it.
 */
function paintCanvas(request: PaintRequest): { width: number; height: number } {
  if (request.region.kind !== 'extend') return request.image;
  try {
    return planExtension(request.image, request.region, { maxPixels: LIMITS.maxPixels }).canvas;
  } catch {
    return request.image;
  }
}

/**
 * A cached step's cost: `rows` positions through the dense layers, their queries attending to all `keys`, plus
 * writing the rows into every layer's caches, which copies them: on the small checkpoint a 32-row step over 4.3k
 * keys took 1/37 of a whole pass (bench/results/describe.json), where the rows alone would make it 1/135.
 */
function cachedStepUnits(rows: number, keys: number, dims: CostDims): number {
  return rows * (1 + (2 * keys) / (4 * dims.dModel + 3 * dims.mlpHidden)) + keys / 16;
}

/** A drawing request with ML-Cache (text-to-image, or a paint over its template). */
export function drawsWithMlCache(request: EngineRequest): boolean {
  return (request.task === 'text_to_image' || request.task === 'paint') && Boolean(request.cache);
}

/** A describe the block cache decodes: asked for, and greedy (a sampled answer runs uncached). */
export function decodesWithBlockCache(request: EngineRequest): boolean {
  return request.task === 'understand' && request.cache === true && (request.temperature ?? 0) === 0;
}

export function estimateCost(request: EngineRequest, dims: CostDims = DIMOO_DIMS): number {
  const { rows, length, steps, scored } = forwardShape(request);
  if (request.task === 'understand' && decodesWithBlockCache(request)) {
    // The block cache: each block's first step runs the whole sequence, its others only the block's rows.
    const full = Math.min(steps, Math.ceil((request.genLength ?? 128) / scored));
    return (
      rows * (full * forwardUnits(length, dims) + (steps - full) * cachedStepUnits(scored, length, dims))
    );
  }
  const cacheFactor = drawsWithMlCache(request) ? 0.5 : 1;
  return steps * rows * forwardUnits(length, dims) * cacheFactor;
}
