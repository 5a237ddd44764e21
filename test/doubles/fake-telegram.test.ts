import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoRetry } from '@grammyjs/auto-retry';
import {
  Api,
  Bot,
  GrammyError,
  HttpError,
  InlineKeyboard,
  InputFile,
  InputMediaBuilder,
  webhookCallback,
} from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from './fake-telegram/index.js';
import { closeServer } from './shared/http.js';
import { captureUnhandledRejections } from './shared/unhandled.js';
import { waitUntil } from './shared/wait.js';

/** A PNG header (signature + IHDR) of the given size: enough for the fake's dimension rules. */
function pngOf(width: number, height: number, filler = 0): Buffer {
  const bytes = Buffer.alloc(64, filler);
  Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').copy(bytes, 0);
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

let fake: FakeTelegram | undefined;
let bot: Bot | undefined;

async function startBot(
  setup: (bot: Bot, fake: FakeTelegram) => void,
): Promise<{ fake: FakeTelegram; bot: Bot }> {
  fake = await startFakeTelegram();
  bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 5, rethrowHttpErrors: true }));
  setup(bot, fake);
  const started = new Promise<void>((resolve) => {
    void bot?.start({ onStart: () => resolve() });
  });
  await started;
  return { fake, bot };
}

async function download(f: FakeTelegram, b: Bot, fileId: string): Promise<Buffer> {
  const file = await b.api.getFile(fileId);
  const response = await fetch(f.fileUrl(file.file_path ?? ''));
  return Buffer.from(await response.arrayBuffer());
}

afterEach(async () => {
  if (bot?.isRunning()) await bot.stop();
  await fake?.stop();
  bot = undefined;
  fake = undefined;
});

describe('fake Telegram Bot API driving a real grammY bot', () => {
  it('long-polls, delivers an injected /imagine command, and records the reply', async () => {
    const { fake } = await startBot((b) => {
      b.command('imagine', (ctx) =>
        ctx.reply(`queued: ${ctx.match}`, { reply_parameters: { message_id: ctx.msg.message_id } }),
      );
    });
    const sent = fake.injectText('/imagine cat', { from: fake.world.users.bob });
    const reply = await fake.waitForCall('sendMessage');
    expect(reply.params).toMatchObject({
      chat_id: fake.world.users.bob.id,
      text: 'queued: cat',
      reply_parameters: { message_id: sent.message_id },
    });
    expect(sent.entities).toEqual([{ type: 'bot_command', offset: 0, length: 8 }]);
    expect(sent.from?.language_code).toBe('zh-hans');
    expect(fake.calls.slice(0, 2).map((call) => call.method)).toEqual(['getMe', 'deleteWebhook']);
    const polls = fake.callsTo('getUpdates');
    expect(polls[0]?.params).toMatchObject({ timeout: 30 });
    expect(polls.length).toBeLessThan(10);
  });

  it('photo flows: getFile + download, multipart sendPhoto with bytes, reply-to-photo round trip', async () => {
    const input = pngOf(64, 48, 1);
    const result = pngOf(32, 32, 2);
    const downloads: Buffer[] = [];
    const { fake, bot } = await startBot((b) => {
      b.on('message:photo', async (ctx) => {
        const largest = ctx.msg.photo.at(-1)!;
        downloads.push(await download(fake!, b, largest.file_id));
        await ctx.replyWithChatAction('upload_photo');
        await ctx.replyWithPhoto(new InputFile(result, 'result.png'), {
          caption: 'seed 42',
          reply_markup: new InlineKeyboard().text('Re-roll', 'reroll:1').text('Delete', 'delete:1'),
        });
      });
      b.on('message:text', async (ctx) => {
        const photo = ctx.msg.reply_to_message?.photo?.at(-1);
        if (photo) downloads.push(await download(fake!, b, photo.file_id));
        await ctx.reply('editing');
      });
    });
    const file = fake.registerFile(input);
    fake.injectPhoto(file, { caption: '/describe what is this', chat: 'group' });
    const sendPhoto = await fake.waitForCall('sendPhoto');
    expect(downloads[0]).toEqual(input);
    expect(fake.callsTo('getFile')[0]?.params).toEqual({ file_id: file.fileId });
    expect(fake.callsTo('sendChatAction')[0]?.params).toMatchObject({ action: 'upload_photo' });
    expect(sendPhoto.multipart).toBe(true);
    expect(sendPhoto.params).toMatchObject({
      chat_id: fake.world.group.id,
      caption: 'seed 42',
      reply_markup: {
        inline_keyboard: [[{ text: 'Re-roll', callback_data: 'reroll:1' }, { callback_data: 'delete:1' }]],
      },
    });
    expect(sendPhoto.files).toHaveLength(1);
    expect(sendPhoto.files[0]).toMatchObject({ param: 'photo', filename: 'result.png' });
    expect(sendPhoto.files[0]?.bytes).toEqual(result);

    const botPhoto = fake.message(fake.world.group.id, 2)!;
    expect(botPhoto.photo?.at(-1)).toMatchObject({ width: 32, height: 32 });
    fake.injectText('make it blue', { chat: 'group', replyTo: botPhoto });
    await fake.waitForCall('sendMessage');
    expect(downloads[1]).toEqual(result);

    const resent = await bot.api.sendPhoto(fake.world.group.id, botPhoto.photo!.at(-1)!.file_id);
    expect(resent.photo?.at(-1)?.file_id).toBe(botPhoto.photo?.at(-1)?.file_id);
    await expect(bot.api.sendPhoto(fake.world.group.id, 'no-such-file-id')).rejects.toThrow(
      /wrong file identifier/,
    );
    const admin = await bot.api.getChatMember(fake.world.group.id, fake.world.users.alice.id);
    const member = await bot.api.getChatMember(fake.world.group.id, fake.world.users.bob.id);
    expect([admin.status, member.status]).toEqual(['creator', 'member']);
  });

  it('editMessageMedia swaps the photo through multipart; text edits that change nothing are refused', async () => {
    const { fake, bot } = await startBot(() => {});
    const chatId = fake.world.users.alice.id;
    const progress = await bot.api.sendPhoto(chatId, new InputFile(pngOf(16, 16, 3)), { caption: '10%' });
    const next = pngOf(16, 16, 4);
    const edited = await bot.api.editMessageMedia(
      chatId,
      progress.message_id,
      InputMediaBuilder.photo(new InputFile(next), { caption: '50%' }),
    );
    const call = await fake.waitForCall('editMessageMedia');
    expect(call.multipart).toBe(true);
    expect(call.params.media).toMatchObject({ type: 'photo', caption: '50%' });
    expect(call.files.map((f) => [f.param, f.bytes])).toEqual([['media.media', next]]);
    expect(edited !== true && edited.caption).toBe('50%');
    const photo = fake.message(chatId, progress.message_id)?.photo?.at(-1);
    expect(await download(fake, bot, photo!.file_id)).toEqual(next);

    const status = await bot.api.sendMessage(chatId, 'queued, 2 ahead');
    await expect(bot.api.editMessageText(chatId, status.message_id, 'queued, 2 ahead')).rejects.toThrow(
      /message is not modified/,
    );
    await bot.api.editMessageText(chatId, status.message_id, 'queued, 1 ahead');
    expect(fake.message(chatId, status.message_id)?.text).toBe('queued, 1 ahead');
  });

  it('editMessageMedia turns a text message into a photo, which then has a caption and no text', async () => {
    const { fake, bot } = await startBot(() => {});
    const chatId = fake.world.users.alice.id;
    const status = await bot.api.sendMessage(chatId, 'step 1 of 8');
    await expect(bot.api.editMessageCaption(chatId, status.message_id, { caption: 'x' })).rejects.toThrow(
      /there is no caption in the message to edit/,
    );
    await bot.api.editMessageMedia(
      chatId,
      status.message_id,
      InputMediaBuilder.photo(new InputFile(pngOf(16, 16, 5)), { caption: 'step 2 of 8' }),
    );
    const message = fake.message(chatId, status.message_id);
    expect(message?.text).toBeUndefined();
    expect([message?.caption, message?.photo?.length]).toEqual(['step 2 of 8', expect.any(Number)]);
    await expect(bot.api.editMessageText(chatId, status.message_id, 'step 3 of 8')).rejects.toThrow(
      /there is no text in the message to edit/,
    );
    await bot.api.editMessageCaption(chatId, status.message_id, { caption: 'step 3 of 8' });
    expect(fake.message(chatId, status.message_id)?.caption).toBe('step 3 of 8');
  });

  it('forum topics: messages land in the topic named or replied to; a reply to a deleted message needs the topic', async () => {
    const { fake, bot } = await startBot(() => {});
    const forum = { id: -100900, type: 'supergroup' as const, title: 'Forum', is_forum: true as const };
    const request = fake.injectText('/imagine a fox', { chat: forum, thread: 5 });
    expect(request).toMatchObject({ message_thread_id: 5, is_topic_message: true });
    const reply = { reply_parameters: { message_id: request.message_id, allow_sending_without_reply: true } };
    expect(await bot.api.sendMessage(forum.id, 'queued', reply)).toMatchObject({ message_thread_id: 5 });
    expect(await bot.api.sendMessage(forum.id, 'general')).not.toHaveProperty('message_thread_id');
    fake.deleteMessage(forum.id, request.message_id);
    await expect(bot.api.sendMessage(forum.id, 'result', reply)).rejects.toThrow(
      /message to be replied not found/,
    );
    const kept = await bot.api.sendMessage(forum.id, 'result', { ...reply, message_thread_id: 5 });
    expect(kept).toMatchObject({ message_thread_id: 5, is_topic_message: true });
    // Outside forums a reply to a deleted message still goes without it.
    const gone = fake.injectText('hello', { chat: 'group' });
    fake.deleteMessage(fake.world.group.id, gone.message_id);
    const plain = await bot.api.sendMessage(fake.world.group.id, 'hi', {
      reply_parameters: { message_id: gone.message_id, allow_sending_without_reply: true },
    });
    expect(plain).not.toHaveProperty('message_thread_id');
  });

  it('deleteMessages skips missing messages; one past 48 hours refuses the batch, and deleteMessage alone', async () => {
    fake = await startFakeTelegram();
    const api = new Api(fake.token, { apiRoot: fake.apiRoot });
    const chatId = fake.world.users.alice.id;
    const ids = [];
    for (const text of ['a', 'b', 'c']) ids.push((await api.sendMessage(chatId, text)).message_id);
    const [a, b, c] = ids as [number, number, number];
    fake.deleteMessage(chatId, a);
    expect(await api.deleteMessages(chatId, [a, b])).toBe(true);
    expect(fake.message(chatId, b)).toBeUndefined();
    fake.ageMessage(chatId, c);
    const d = (await api.sendMessage(chatId, 'd')).message_id;
    await expect(api.deleteMessages(chatId, [c, d])).rejects.toMatchObject({
      error_code: 400,
      description: "Bad Request: message can't be deleted",
    });
    expect(fake.message(chatId, d)).toBeDefined();
    await expect(api.deleteMessage(chatId, c)).rejects.toThrow(/can't be deleted for everyone/);
    await expect(api.deleteMessages(chatId, [])).rejects.toThrow(/not specified/);
    await expect(
      api.deleteMessages(
        chatId,
        Array.from({ length: 101 }, (_, i) => i + 1),
      ),
    ).rejects.toThrow(/too many/);
    expect(await api.deleteMessage(chatId, d)).toBe(true);
  });

  it('a 429 with retry_after is waited out by auto-retry, not dropped', async () => {
    const { fake, bot } = await startBot(() => {});
    fake.rateLimit('sendMessage', { times: 1, retryAfter: 1 });
    const started = Date.now();
    await bot.api.sendMessage(fake.world.users.alice.id, 'hello');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    const sends = fake.callsTo('sendMessage');
    expect(sends.map((call) => call.status)).toEqual([429, 200]);
    expect(sends[0]?.error).toBe('Too Many Requests: retry after 1');
  });

  it('400s and network errors reach the caller; PHOTO_INVALID_DIMENSIONS comes from the real rule', async () => {
    fake = await startFakeTelegram();
    const api = new Api(fake.token, { apiRoot: fake.apiRoot });
    const chatId = fake.world.users.alice.id;
    const tooWide = api.sendPhoto(chatId, new InputFile(pngOf(9000, 2000)));
    await expect(tooWide).rejects.toBeInstanceOf(GrammyError);
    await expect(tooWide).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: PHOTO_INVALID_DIMENSIONS',
    });
    const asDocument = await api.sendDocument(chatId, new InputFile(pngOf(9000, 2000), 'big.png'));
    expect(asDocument.document?.file_name).toBe('big.png');

    fake.failMethod('sendMessage', { description: 'Bad Request: chat not found' });
    await expect(api.sendMessage(chatId, 'x')).rejects.toMatchObject({
      description: 'Bad Request: chat not found',
    });
    fake.networkError('sendMessage');
    await expect(api.sendMessage(chatId, 'x')).rejects.toBeInstanceOf(HttpError);
    await api.sendMessage(chatId, 'fine again');

    fake.networkError('downloadFile');
    const file = fake.registerFile(pngOf(8, 8));
    await expect(fetch(fake.fileUrl(file.filePath))).rejects.toThrow();
    expect(fake.callsTo('downloadFile').map((call) => call.status)).toEqual([-1]);
    expect((await fetch(`${fake.apiRoot}/bot${fake.token}/noSuchMethod`)).status).toBe(404);
    expect((await fetch(`${fake.apiRoot}/bot1:wrong/getMe`)).status).toBe(401);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'getMe', tokenOk: false, status: 401 });
  });

  it('callback queries, localized command menus, and malformed updates leave the bot serving', async () => {
    const errors: unknown[] = [];
    const { fake, bot } = await startBot((b) => {
      b.callbackQuery(/^reroll:/, async (ctx) => {
        await ctx.answerCallbackQuery({ text: 're-rolling' });
        await ctx.editMessageReplyMarkup({ reply_markup: new InlineKeyboard().text('Cancel', 'cancel:1') });
      });
      b.command('help', (ctx) => ctx.reply(`help in ${ctx.from?.language_code}`));
      b.catch((error) => {
        errors.push(error.error);
      });
    });
    await bot.api.setMyCommands([{ command: 'imagine', description: '画一张图' }], { language_code: 'zh' });
    expect(fake.commands('zh')).toEqual([{ command: 'imagine', description: '画一张图' }]);
    await expect(bot.api.setMyCommands([{ command: 'Bad-Name', description: 'x' }])).rejects.toThrow(
      /BOT_COMMAND_INVALID/,
    );
    // One user's own menu (a chat's scope) stands beside everyone's; a user who never started the bot has no chat.
    const alice = fake.world.users.alice.id;
    await bot.api.setMyCommands([{ command: 'block', description: 'Block' }], {
      scope: { type: 'chat', chat_id: alice },
      language_code: 'zh',
    });
    expect(fake.commands('zh', 'chat', alice)).toEqual([{ command: 'block', description: 'Block' }]);
    expect(fake.commands('zh')).toEqual([{ command: 'imagine', description: '画一张图' }]);
    await expect(
      bot.api.setMyCommands([{ command: 'block', description: 'Block' }], {
        scope: { type: 'chat', chat_id: 4242 },
      }),
    ).rejects.toThrow(/chat not found/);
    fake.failSendsTo(alice);
    await expect(bot.api.sendMessage(alice, 'hello')).rejects.toThrow(/can't initiate conversation/);
    await bot.api.sendMessage(alice, 'hello again');

    const result = await bot.api.sendMessage(fake.world.users.alice.id, 'done', {
      reply_markup: new InlineKeyboard().text('Re-roll', 'reroll:1'),
    });
    const query = fake.injectCallbackQuery(result, 'reroll:1');
    await fake.waitForCall('editMessageReplyMarkup');
    expect(fake.callsTo('answerCallbackQuery')[0]?.params).toMatchObject({
      callback_query_id: query.id,
      text: 're-rolling',
    });
    expect(fake.message(result.chat.id, result.message_id)?.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Cancel', callback_data: 'cancel:1' }]],
    });

    const { captured } = await captureUnhandledRejections(async () => {
      fake.injectUpdate({ message: null });
      fake.injectUpdate({ message: { message_id: 1, chat: null, text: '/help' } });
      fake.injectUpdate({ callback_query: { id: 'x', data: 'reroll:1' } });
      fake.injectText('/help', { from: fake.world.users.bob });
      await fake.waitForCall(
        (call) => call.method === 'sendMessage' && call.params.text === 'help in zh-hans',
      );
    });
    expect(captured).toEqual([]);
    expect(bot.isRunning()).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });

  it('webhook mode: updates are POSTed with the secret token to a grammY webhook handler', async () => {
    fake = await startFakeTelegram();
    const hookBot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
    hookBot.command('start', (ctx) => ctx.reply('hello'));
    await hookBot.init();
    const server = createServer(webhookCallback(hookBot, 'http', { secretToken: 's3cret' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await hookBot.api.setWebhook(`http://127.0.0.1:${port}/hook`, { secret_token: 's3cret' });
      await expect(hookBot.api.getUpdates()).rejects.toMatchObject({ error_code: 409 });
      fake.injectText('/start');
      await fake.waitForCall('sendMessage');
      await waitUntil(() => fake?.state.updates.deliveries.length === 1, 'the webhook delivery is recorded');
      expect(fake.state.updates.deliveries.map((d) => d.status)).toEqual([200]);

      await hookBot.api.setWebhook(`http://127.0.0.1:${port}/hook`, { secret_token: 'wrong' });
      fake.injectText('/start');
      await waitUntil(() => fake?.state.updates.deliveries.length === 4, 'three refused deliveries');
      expect(fake.state.updates.deliveries.slice(1).map((d) => d.status)).toEqual([401, 401, 401]);
    } finally {
      await hookBot.api.deleteWebhook();
      await closeServer(server);
    }
  });

  it('a wait that times out lists the calls seen', async () => {
    fake = await startFakeTelegram();
    await new Api(fake.token, { apiRoot: fake.apiRoot }).getMe();
    await expect(fake.waitForCall('sendPhoto', 50)).rejects.toThrow(
      /timed out after 50 ms[\s\S]*getMe \{\} → 200/,
    );
  });
});
