import { Bot, InlineKeyboard } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from './shared/wait.js';
import { startTelegramTestApi, type TelegramTestApi } from './telegram-test-api.js';

let api: TelegramTestApi | undefined;
let bot: Bot | undefined;

afterEach(async () => {
  if (bot?.isRunning()) await bot.stop();
  await api?.stop();
  bot = undefined;
  api = undefined;
});

describe('telegram-test-api behind a long-poll proxy, driving a real grammY bot', () => {
  it('serves a text command, an inline button press and an edit, at a sane polling rate', async () => {
    api = await startTelegramTestApi();
    bot = new Bot(api.token, { client: { apiRoot: api.apiRoot } });
    const pressed: string[] = [];
    bot.command('imagine', (ctx) =>
      ctx.reply(`queued: ${ctx.match}`, { reply_markup: new InlineKeyboard().text('Cancel', 'cancel:7') }),
    );
    bot.callbackQuery(/^cancel:/, async (ctx) => {
      pressed.push(ctx.callbackQuery.data);
      await ctx.answerCallbackQuery();
      await ctx.editMessageText('cancelled');
    });
    const started = Date.now();
    await new Promise<void>((resolve) => void bot?.start({ onStart: () => resolve() }));

    const client = api.client({ userId: 42, chatId: 42, firstName: 'Alice' });
    await client.sendCommand(client.makeCommand('/imagine a cat'));
    const [queued] = await api.waitForBotMessages(1);
    expect(queued?.message).toMatchObject({ chat_id: 42, text: 'queued: a cat' });
    expect(queued?.message.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Cancel', callback_data: 'cancel:7' }]],
    });

    await client.sendCallback(
      client.makeCallbackQuery('cancel:7', { message: { message_id: queued?.messageId ?? 0 } }),
    );
    await waitUntil(
      () => api?.emulator.storage.botMessages[0]?.message.text === 'cancelled',
      'the edit lands',
    );
    expect(pressed).toEqual(['cancel:7']);
    expect(api.emulator.storage.botMessages[0]?.message.text).toBe('cancelled');

    // A proxy that spins polls thousands of times a second; a run of ~80 ms may see a few polls, so a rate over
    // so short a window is noise (8 polls in 73 ms read as 109/s and failed CI): allow a few beyond 100/s.
    const seconds = (Date.now() - started) / 1000;
    expect(api.upstreamPolls).toBeLessThan(10 + 100 * seconds);
  });

  it('times out with the messages it did see', async () => {
    api = await startTelegramTestApi();
    await expect(api.waitForBotMessages(1, 50)).rejects.toThrow(/timed out after 50 ms .* got 0/);
  });
});
