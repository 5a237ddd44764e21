// The engine's public entry: the only module outside engine/ may import (besides the types in api.ts).
export * from './api.js';
export { batchKey } from './batch-key.js';
export { estimateCost } from './cost.js';
export { makeFolders } from './folders.js';
export { parseVqConfig, VQ_CONFIG_FILE } from './graphs/vq-config.js';
export type { AcceptedFormat, ImageHeader, InputShapeLimits } from './image/header.js';
export {
  DEFAULT_MAX_ASPECT,
  DEFAULT_MIN_SIDE,
  judgeImageShape,
  readImageHeader,
  sniffFormat,
} from './image/header.js';
export {
  ACCEPTED_FORMATS,
  decodeImage,
  encodePng,
  encodePreview,
  judgeImage,
  PREVIEW_MAX_SIDE,
} from './image/io.js';
export {
  type GenerationParameters,
  parametersText,
  readPngText,
  withPngText,
} from './image/png-text.js';
export {
  type CheckpointReport,
  inspectCheckpoint,
  type MemoryRow,
  RUN_OPTIONS,
  type RunOption,
} from './inspect-checkpoint.js';
export { createEngine } from './load-engine.js';
export { gigabytes } from './memory.js';
export { MAX_EXTEND, WIDEST_EXTENDABLE_ASPECT } from './paint/extension.js';
export { decodeMaskFile, decodeMaskImage, maskMarksSomething, readMask } from './paint/mask-image.js';
export {
  EDIT_TYPES,
  imageToImagePrompt,
  inferEditType,
  isKnownEditType,
  needsReferenceImage,
} from './prompts.js';
export {
  cudaLibrariesNeeded,
  defaultSearchPlaces,
  type LibraryReport,
  locateLibraries,
  type SearchPlaces,
} from './runtime/cuda-libraries.js';
export { ortLibraryFolder, ortVersion } from './runtime/ort.js';
export { ML_CACHE_DEFAULTS, minMlCacheSteps, resolveMlCache } from './sampling/ml-cache.js';
export { planBlocks } from './sampling/understanding.js';
// The request checks that need no checkpoint, for callers that want a mistake refused before a model loads.
export { checkCount } from './tasks/candidates.js';
export { LIMITS as REQUEST_LIMITS, MAX_INPUT_PIXELS } from './tasks/context.js';
export { IMAGE_TO_IMAGE_DEFAULTS } from './tasks/image-to-image.js';
export { checkDilate, PAINT_DEFAULTS, planPaintRegion } from './tasks/paint.js';
export { TEXT_TO_IMAGE_DEFAULTS } from './tasks/text-to-image.js';
export { MAX_GEN_LENGTH, UNDERSTAND_DEFAULTS } from './tasks/understand.js';
export {
  checkInteger,
  checkNumber,
  checkPrompt as checkRequestPrompt,
  checkSize,
  isBlankText,
} from './tasks/validate.js';
export {
  isGeneratedCheckpoint,
  makeTestCheckpoint,
  PRESETS,
  type Preset,
} from './testing/make-test-checkpoint.js';
