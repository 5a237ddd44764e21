// A job's ending waits out Telegram's flood control: each 429 waits its retry_after and the call goes again, within
// a bound on the total wait, and an abort (the adapter stopping) ends a wait at once with the 429.
import { GrammyError } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_FLOOD_WAIT_MS, outlastFlood, retryAfterOf } from '../../../adapters/telegram/flood-wait.js';

const flood = (seconds: number) =>
  new GrammyError(
    'Call to sendPhoto failed!',
    {
      ok: false,
      error_code: 429,
      description: `Too Many Requests: retry after ${seconds}`,
      parameters: { retry_after: seconds },
    },
    'sendPhoto',
    {},
  );
const refused = new GrammyError(
  'Call to sendPhoto failed!',
  { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
  'sendPhoto',
  {},
);

/** A call that fails with `failures` in turn, then answers 'sent'. */
function scripted(...failures: Error[]) {
  const call = vi.fn(async () => {
    const failure = failures.shift();
    if (failure) throw failure;
    return 'sent';
  });
  return call;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('outlastFlood', () => {
  it('waits each retry_after, then calls again', async () => {
    vi.useFakeTimers();
    const call = scripted(flood(90), flood(120));
    const result = outlastFlood(call, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(89_000);
    expect(call).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(call).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(120_000);
    await expect(result).resolves.toBe('sent');
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('does not start a wait past the bound, nor wait on other failures', async () => {
    const tooLong = scripted(flood(MAX_FLOOD_WAIT_MS / 1000 + 1));
    await expect(outlastFlood(tooLong, new AbortController().signal)).rejects.toMatchObject({
      error_code: 429,
    });
    expect(tooLong).toHaveBeenCalledTimes(1);
    const blocked = scripted(refused);
    await expect(outlastFlood(blocked, new AbortController().signal)).rejects.toBe(refused);
    expect(blocked).toHaveBeenCalledTimes(1);
  });

  it('bounds the waits together, not one by one', async () => {
    vi.useFakeTimers();
    const call = scripted(flood(300), flood(301));
    const result = outlastFlood(call, new AbortController().signal);
    const settled = expect(result).rejects.toMatchObject({ error_code: 429 });
    await vi.advanceTimersByTimeAsync(300_000);
    await settled;
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('an abort ends the wait at once, with the 429', async () => {
    vi.useFakeTimers();
    const stopping = new AbortController();
    const call = scripted(flood(300));
    const result = outlastFlood(call, stopping.signal);
    const settled = expect(result).rejects.toMatchObject({ error_code: 429 });
    await vi.advanceTimersByTimeAsync(1000);
    stopping.abort();
    await settled;
    expect(call).toHaveBeenCalledTimes(1);
    // Once stopped, a 429 is not waited for at all.
    await expect(outlastFlood(scripted(flood(1)), stopping.signal)).rejects.toMatchObject({
      error_code: 429,
    });
  });

  it('reads retry_after from a 429 only', () => {
    expect(retryAfterOf(flood(61))).toBe(61);
    expect(retryAfterOf(refused)).toBeUndefined();
    expect(retryAfterOf(new Error('network'))).toBeUndefined();
  });
});
