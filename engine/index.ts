// The engine's public entry: the only module outside engine/ may import (besides the types in api.ts).
export * from './api.js';
export { batchKey } from './batch-key.js';
export { estimateCost } from './cost.js';
export { ACCEPTED_FORMATS, decodeImage, encodePng } from './image/io.js';
export { createEngine } from './load-engine.js';
export { isKnownEditType, needsReferenceImage } from './prompts.js';
export { ML_CACHE_DEFAULTS } from './sampling/ml-cache.js';
export { makeTestCheckpoint, PRESETS, type Preset } from './testing/make-test-checkpoint.js';
