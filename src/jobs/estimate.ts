// The price of a stored request in the engine's cost units (fairness counters, ETAs, the too-long refusal).
import { type Engine, type EngineRequest, type RgbImage, readImageHeader } from '../../engine/index.js';
import type { StoredRequest } from './types.js';

/** What an input is priced at when its bytes are not at hand or name no size: a typical 512-class picture. */
const TYPICAL_INPUT = { width: 512, height: 512 } as const;

/**
 * An image changes the cost only through its shape, which the stored request does not carry: each `{ file }` is
 * priced at the size its header in `files` names (an Upscale's 1024² input costs four 512² ones), else typical.
 */
export function estimateStoredRequest(
  engine: Pick<Engine, 'estimateCost'>,
  request: StoredRequest,
  files: Readonly<Record<string, Uint8Array>> = {},
): number {
  const priced = JSON.parse(JSON.stringify(request), (_key, value) =>
    value && typeof value === 'object' && 'file' in value && Object.keys(value).length === 1
      ? shapeOf(files[(value as { file: string }).file])
      : value,
  ) as EngineRequest;
  return engine.estimateCost(priced);
}

function shapeOf(bytes: Uint8Array | undefined): RgbImage {
  let size: { width: number; height: number } = TYPICAL_INPUT;
  if (bytes) {
    try {
      const { width, height } = readImageHeader(bytes);
      size = { width, height };
    } catch {
      // The commands checked the input already; an unreadable header prices as a typical one.
    }
  }
  return { ...size, data: new Uint8Array(0) };
}
