// A failure the engine did not expect (an onnxruntime error, a bug) becomes an EngineError for the bot's message,
// and keeps the original as its cause, so `DIMOO_DEBUG=1` and the logs show where it started.
import { describe, expect, it } from 'vitest';
import { asEngineError } from '../../engine/errors.js';
import { EngineError } from '../../engine/index.js';

describe('asEngineError', () => {
  it('keeps an unexpected error as the cause of its internal EngineError', () => {
    const original = new Error('Non-zero status code returned while running MatMul node');
    const wrapped = asEngineError(original);
    expect([wrapped.code, wrapped.cause]).toEqual(['internal', original]);
  });

  it('keeps it for an out-of-memory failure too', () => {
    const original = new Error('std::bad_alloc');
    const wrapped = asEngineError(original);
    expect([wrapped.code, wrapped.cause]).toEqual(['out_of_memory', original]);
  });

  it('returns an EngineError as it is', () => {
    const own = new EngineError('bad_request', 'steps must be at least 1');
    expect(asEngineError(own)).toBe(own);
  });
});
