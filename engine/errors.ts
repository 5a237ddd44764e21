// Any failure inside a run becomes one EngineError the callers can map to a localized message.
import { EngineError } from './api.js';

/** onnxruntime's allocation failures become out_of_memory; anything else unexpected is internal. */
export function asEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/bad_alloc|out of memory|Failed to allocate/i.test(message)) {
    return new EngineError('out_of_memory', message, { detail: 'out of memory' }, error);
  }
  return new EngineError('internal', message, { detail: message.slice(0, 200) }, error);
}
