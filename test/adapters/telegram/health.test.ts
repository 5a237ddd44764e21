// The Telegram adapter's readiness reasons on a clock of the test's: how long polling may fail or hang before
// /readyz says so, that it says so for good once polling ended, and that no reason ever carries the bot token.

import type { Api } from 'grammy';
import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it, vi } from 'vitest';
import {
  describeFailure,
  LONG_POLL_S,
  MAX_RETRY_MS,
  PollHealth,
  TelegramReach,
  TRY_MS,
  watchWebhook,
} from '../../../adapters/telegram/health.js';

// As @BotFather issues them: the bot's id, ':', 35 of [A-Za-z0-9_-].
const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxyz012345678';

function clocked(unhealthyAfterMs = 60_000) {
  const clock = { now: 1_000_000 };
  return { clock, health: new PollHealth(unhealthyAfterMs, () => clock.now) };
}

describe('PollHealth', () => {
  it('tolerates failures up to the threshold, then names how long since the last answer and the last failure', () => {
    const { clock, health } = clocked();
    health.polling();
    clock.now += 30_000;
    health.failed({ ok: false, error_code: 502, description: 'Bad Gateway' });
    clock.now += 30_000;
    health.polling();
    health.failed({ ok: false, error_code: 502, description: 'Bad Gateway' });
    expect(health.reason()).toBeUndefined();
    clock.now += 35_000;
    expect(health.reason()).toBe('long polling failing for 95 s (last: 502 Bad Gateway)');
    health.polling();
    health.answered();
    expect(health.reason()).toBeUndefined();
  });

  it('says when a poll stays unanswered far past its long-poll timeout (a dead connection)', () => {
    const { clock, health } = clocked(10_000);
    health.polling();
    clock.now += LONG_POLL_S * 1000 + 9_000;
    expect(health.reason()).toBeUndefined();
    clock.now += 2_000;
    expect(health.reason()).toBe(`getUpdates unanswered for ${LONG_POLL_S + 11} s`);
    // The runner stopping its own poll is no hang.
    health.aborted();
    expect(health.reason()).toBeUndefined();
  });

  it('stays unhealthy once polling ended for good, whatever comes after', () => {
    const { health } = clocked();
    const conflict = new GrammyError(
      'Call to getUpdates failed',
      { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request' },
      'getUpdates',
      {},
    );
    health.ended(conflict);
    health.answered();
    expect(health.reason()).toMatch(
      /^long polling stopped for good \(last: 409 Conflict: terminated by other getUpdates request\)/,
    );
  });
});

describe('describeFailure', () => {
  it('never carries the token, wherever a library put it', () => {
    const inner = Object.assign(new Error(`connect to https://api.telegram.org/bot${TOKEN}/getUpdates`), {
      code: 'ECONNRESET',
    });
    expect(describeFailure(new HttpError(`Network request for 'getUpdates' failed!`, inner))).toBe(
      'network error (ECONNRESET)',
    );
    const text = describeFailure(new Error(`fetch https://api.telegram.org/bot${TOKEN}/getUpdates failed`));
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.split(':')[1]);
    expect(text).toContain('<token>');
  });

  it("hides this bot's token by the shared rule: its secret part alone, or a message cut off inside it", () => {
    const secret = TOKEN.split(':')[1] as string;
    expect(describeFailure(new Error(`a proxy quoting ${secret} refused it`), TOKEN)).toBe(
      'a proxy quoting <token> refused it',
    );
    expect(describeFailure(new Error(`fetch /bot${TOKEN.slice(0, 16)}… failed`), TOKEN)).toBe(
      'fetch /bot<token>… failed',
    );
    // Without the token at hand, a whole token-shaped string is found and hidden all the same, its secret with it.
    expect(describeFailure(new Error(`bot${TOKEN} (${secret})`))).toBe('bot<token> (<token>)');
  });

  it('hides a token whose colon a URL encoded, whole without the token at hand, cut short with it', () => {
    const secret = TOKEN.split(':')[1] as string;
    const encoded = TOKEN.replace(':', '%3A');
    expect(describeFailure(new Error(`fetch https://api.telegram.org/bot${encoded}/getMe failed`))).toBe(
      'fetch https://api.telegram.org/bot123456%3A<token>/getMe failed',
    );
    expect(describeFailure(new Error(`fetch /bot${encoded.toLowerCase()}/getMe`))).not.toContain(
      secret.toLowerCase(),
    );
  });

  // Cut short, an encoded token has no token's shape left: only the bot's own token, which every caller passes,
  // finds it.
  const cutEncoded = `request to https://api.telegram.org/bot${TOKEN.replace(':', '%3A').slice(0, 25)}… failed`;
  const cutHidden = 'request to https://api.telegram.org/bot123456%3A<token>… failed';

  it("hides a cut-off encoded token in polling's and start-up's reasons: they are given the bot's token", async () => {
    const { clock } = clocked();
    const health = new PollHealth(60_000, () => clock.now, TOKEN);
    health.failed(new Error(cutEncoded));
    clock.now += 61_000;
    expect(health.reason()).toBe(`long polling failing for 61 s (last: ${cutHidden})`);
    const reach = new TelegramReach(
      () => Promise.reject(new Error(cutEncoded)),
      new AbortController().signal,
      TOKEN,
    );
    await expect(reach.try(1000)).resolves.toBeUndefined();
    expect(reach.problem).toBe(cutHidden);
  });
});

describe('watchWebhook', () => {
  const URL = 'https://bot.example.org/tg/hook';
  type Info = Awaited<ReturnType<Api['getWebhookInfo']>>;
  const watching = (info: () => Partial<Info>, listening = () => true, logged: string[] = []) => {
    const api = { getWebhookInfo: async () => ({ pending_update_count: 0, ...info() }) } as unknown as Api;
    return watchWebhook(api, URL, listening, 20, (line) => logged.push(line));
  };

  it('logs each failed post Telegram records, once, and does not make /readyz fail for it', async () => {
    const logged: string[] = [];
    let errorDate = Math.floor(Date.now() / 1000);
    let calls = 0;
    const watch = watching(
      () => {
        calls += 1;
        return {
          url: URL,
          pending_update_count: 3,
          last_error_date: errorDate,
          last_error_message: 'Connection refused',
        };
      },
      () => true,
      logged,
    );
    await vi.waitFor(() => expect(calls).toBeGreaterThan(2), { timeout: 5000 });
    expect(logged).toEqual([
      'Telegram could not post to the webhook (last error: Connection refused; updates waiting: 3)',
    ]);
    // A 503 here would take the webhook's own ingress out and keep Telegram's posts failing.
    expect(watch.reason()).toBeUndefined();
    errorDate += 5;
    await vi.waitFor(() => expect(logged).toHaveLength(2), { timeout: 5000 });
    watch.stop();
  });

  it('an error from before the start with nothing waiting is not logged; a closed server is unready', async () => {
    let calls = 0;
    let listening = true;
    const logged: string[] = [];
    const watch = watching(
      () => {
        calls += 1;
        return { url: URL, pending_update_count: 0, last_error_date: 1, last_error_message: 'old' };
      },
      () => listening,
      logged,
    );
    await vi.waitFor(() => expect(calls).toBeGreaterThan(1), { timeout: 5000 });
    expect(logged).toEqual([]);
    expect(watch.reason()).toBeUndefined();
    listening = false;
    expect(watch.reason()).toBe('webhook server not listening');
    watch.stop();
  });
});

describe('reaching Telegram at start', () => {
  it('two tries start at most a minute apart, as the log line and README say (the longest wait plus a try)', () => {
    expect(MAX_RETRY_MS + TRY_MS).toBeLessThanOrEqual(60_000);
  });

  const unauthorized = () =>
    new GrammyError(
      'Call to getMe failed',
      { ok: false, error_code: 401, description: 'Unauthorized' },
      'getMe',
      {},
    );

  // The stop is what the operator asked for: a refusal that lands meanwhile must not turn the shutdown into a failed
  // start (the StartError's line, exit 1) nor leave /readyz asking for a restart.
  it('a stop during a refused try reads as stopped, not as a refused token', async () => {
    const stop = new AbortController();
    const reach = new TelegramReach(
      async () => {
        stop.abort();
        throw unauthorized();
      },
      stop.signal,
      TOKEN,
    );
    await expect(reach.try(1000)).resolves.toBeUndefined();
    expect(reach.reason()).toBeUndefined();
  });

  it('a refused token without a stop still ends the start, named for /readyz without the token', async () => {
    const reach = new TelegramReach(
      () => Promise.reject(unauthorized()),
      new AbortController().signal,
      TOKEN,
    );
    await expect(reach.try(1000)).rejects.toThrow(/^Telegram refused TELEGRAM_TOKEN \(401 Unauthorized\)/);
    expect(reach.reason()).toMatch(/restart the bot once that is fixed$/);
  });

  it('a stop during the wait ends the tries: no try starts after it', async () => {
    const stop = new AbortController();
    let tries = 0;
    const reach = new TelegramReach(
      async () => {
        tries += 1;
        stop.abort();
        throw new HttpError('Network request for getMe failed!', new Error('ECONNREFUSED'));
      },
      stop.signal,
      TOKEN,
    );
    await expect(reach.keepTrying(1)).resolves.toBeUndefined();
    expect(tries).toBe(1);
  });
});
