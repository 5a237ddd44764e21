// The cost model of engine-design §4: forward-token units, with attention's L² term folded in.
// The scheduler uses these units for fairness and ETAs and calibrates seconds-per-unit from measured runs.
import type { EngineRequest } from './api.js';

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

/** Cost of one forward over L tokens, in token units: dense work plus attention's share (4·L·d vs per-token FLOPs). */
export function forwardUnits(length: number, dims: CostDims): number {
  const attentionShare = (2 * length) / (4 * dims.dModel + 3 * dims.mlpHidden);
  return length * (1 + attentionShare);
}

export function estimateCost(request: EngineRequest, dims: CostDims = DIMOO_DIMS): number {
  switch (request.task) {
    case 'text_to_image': {
      const length = promptTokens(request.prompt) + imageBlockTokens(request.width, request.height);
      const branches = (request.cfg ?? 4) > 0 ? 2 : 1;
      const steps = request.steps ?? 64;
      const cacheFactor = request.cache ? 0.5 : 1;
      return steps * branches * forwardUnits(length, dims) * cacheFactor;
    }
    case 'image_to_image': {
      const images = request.refImage ? 2 : 1;
      const output = INPUT_IMAGE_512_TOKENS;
      const length = promptTokens(request.prompt) + images * INPUT_IMAGE_512_TOKENS + output;
      const guided = (request.cfg ?? 2.5) > 0 || (request.cfgImg ?? 4) > 0;
      return (request.steps ?? 64) * (guided ? 3 : 1) * forwardUnits(length, dims);
    }
    case 'paint': {
      const length =
        promptTokens(request.prompt) + imageBlockTokens(request.image.width, request.image.height);
      const branches = (request.cfg ?? 4) > 0 ? 2 : 1;
      return (request.steps ?? 64) * branches * forwardUnits(length, dims);
    }
    case 'understand': {
      const length =
        promptTokens(request.question) + INPUT_IMAGE_1024_TOKENS + (request.genLength ?? 128) + 2;
      const branches = (request.cfg ?? 0) > 0 ? 2 : 1;
      return (request.steps ?? 128) * branches * forwardUnits(length, dims);
    }
  }
}
