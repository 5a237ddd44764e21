// Long polling started with its default health (startPolling without one): a failed getUpdates whose message carries
// the bot's token, cut short where a library shortened a URL, is told by /readyz with the token hidden.
import { Bot } from 'grammy';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UNHEALTHY_AFTER_MS } from '../../../adapters/telegram/health.js';
import { startPolling } from '../../../adapters/telegram/polling.js';
import { createLogger } from '../../../src/log.js';
import { botInfo } from './bot-info.js';

// As @BotFather issues them: the bot's id, ':', 35 of [A-Za-z0-9_-].
const TOKEN = '6543210987:AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456';

afterEach(() => {
  vi.useRealTimers();
});

describe('startPolling', () => {
  it("hides the bot's token in its default health's failure line", async () => {
    // Only the clock the health reads: the runner's own timers and waitFor run as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    const bot = new Bot(TOKEN, { botInfo: botInfo() });
    let polls = 0;
    bot.api.config.use(async (prev, method, payload, signal) => {
      if (method !== 'getUpdates') return prev(method, payload, signal);
      polls += 1;
      // Cut short inside the secret: no longer a whole token's shape, only the bot's own token finds it.
      throw new Error(`request to https://api.telegram.org/bot${TOKEN.slice(0, 24)}… failed`);
    });
    const { runner, health } = startPolling(bot, createLogger({ level: 'silent', pretty: false }), {
      retryMs: 10,
    });
    try {
      await vi.waitFor(() => expect(polls).toBeGreaterThan(0));
      vi.setSystemTime(Date.now() + UNHEALTHY_AFTER_MS + 1000);
      const reason = health.reason() ?? '';
      expect(reason).toContain('request to https://api.telegram.org/bot<token>… failed');
      expect(reason).not.toContain(TOKEN.slice(11, 24));
    } finally {
      await runner.stop();
    }
  });
});
