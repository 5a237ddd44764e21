// The price of a stored request in the engine's cost units (fairness counters, ETAs).
import type { Engine, EngineRequest, RgbImage } from '../../engine/index.js';
import type { StoredRequest } from './types.js';

export function estimateStoredRequest(engine: Pick<Engine, 'estimateCost'>, request: StoredRequest): number {
  // Images only change the cost through their shape, which the stored request does not carry: price a typical
  // 512-class input.
  const placeholder: RgbImage = { width: 512, height: 512, data: new Uint8Array(0) };
  const priced = JSON.parse(JSON.stringify(request), (_key, value) =>
    value && typeof value === 'object' && 'file' in value && Object.keys(value).length === 1
      ? placeholder
      : value,
  ) as EngineRequest;
  return engine.estimateCost(priced);
}
