// The Telegram adapter (grammY): commands, captions and replies to photos in, commands called, replies sent and
// kept up to date within Telegram's flood limits. Every handler answers with one localized message on failure
// and the bot keeps polling.
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, type Context, GrammyError, InputFile } from 'grammy';
import type { Message, PhotoSize } from 'grammy/types';
import {
  type CommandContext,
  type Commands,
  type InputImage,
  type Reply,
  toTelegramCommands,
} from '../../commands/index.js';
import type { Config } from '../../src/config/index.js';
import { type Locale, t } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { keyboard, replyText } from './render.js';

export interface TelegramOptions {
  config: Config;
  commands: Commands;
  log: Logger;
  /** Tests point grammY at a local Bot API. */
  apiRoot?: string;
  /** Minimum time between progress edits, per chat type. */
  editIntervalMs?: { private: number; group: number };
}

const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024; // getFile's limit

interface Tracked {
  chatId: number;
  statusMessageId: number;
  replyTo: number;
  locale: Locale;
  group: boolean;
  lastEdit: number;
  lastText: string;
  pending?: Reply;
  timer?: NodeJS.Timeout;
  typing?: NodeJS.Timeout;
}

class InputRefused extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

export class TelegramBot {
  readonly bot: Bot;
  private readonly tracked = new Map<string, Tracked>();
  private unsubscribe?: () => void;
  private readonly intervals: { private: number; group: number };

  constructor(private readonly options: TelegramOptions) {
    const token = options.config.telegram.token;
    if (!token) throw new Error('TELEGRAM_TOKEN is not set');
    this.intervals = options.editIntervalMs ?? { private: 1000, group: 3000 };
    this.bot = new Bot(token, options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {});
    // Waits out 429 retry_after (up to a minute) and gives up on network errors after a few tries, so nothing
    // loops forever on a dead connection.
    this.bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));
    this.bot.catch((error) => options.log.warn({ err: error.error }, 'telegram update failed'));
    this.bot.on('callback_query:data', (ctx) => this.guard(ctx, () => this.onButton(ctx)));
    this.bot.on(['message:photo', 'message:document'], (ctx) => this.guard(ctx, () => this.onImage(ctx)));
    this.bot.on('message:text', (ctx) => this.guard(ctx, () => this.onText(ctx)));
  }

  async start(): Promise<void> {
    const { log } = this.options;
    this.unsubscribe = this.options.commands.subscribe(({ job, reply }) => {
      this.onUpdate(job.id, reply).catch((error: unknown) =>
        log.warn({ err: error, jobId: job.id }, 'telegram update failed'),
      );
    });
    await this.bot.init();
    for (const [locale, code] of [
      ['en', undefined],
      ['zh-CN', 'zh'],
    ] as const) {
      await this.bot.api
        .setMyCommands(toTelegramCommands(locale), code ? { language_code: code } : {})
        .catch((error: unknown) => log.warn({ err: error }, 'setMyCommands failed'));
    }
    void this.bot
      .start({ drop_pending_updates: false })
      .catch((error: unknown) => log.error({ err: error }, 'telegram polling stopped'));
    log.info({ bot: this.bot.botInfo.username }, 'telegram connected');
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const entry of this.tracked.values()) {
      clearTimeout(entry.timer);
      clearInterval(entry.typing);
    }
    await this.bot.stop();
  }

  private context(ctx: Context): CommandContext {
    const from = ctx.from;
    const chat = ctx.chat;
    return this.options.commands.context({
      user: { platform: 'telegram', userId: String(from?.id ?? 0) },
      scope: `chat:${chat?.id ?? 0}`,
      language: from?.language_code,
      meta: { telegramChatId: chat?.id },
    });
  }

  private async guard(ctx: Context, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const locale = this.context(ctx).locale;
      const key = error instanceof InputRefused ? error.key : 'errors.generic';
      const params = error instanceof InputRefused ? error.params : {};
      if (!(error instanceof InputRefused)) this.options.log.warn({ err: error }, 'telegram handler failed');
      if (ctx.chat) await ctx.reply(t(locale, key, params)).catch(() => undefined);
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    }
  }

  /** Downloads a photo (largest size) or an image document at once: Telegram's file links expire. */
  private async download(fileId: string, size: number | undefined): Promise<InputImage> {
    const limit = Math.min(MAX_DOWNLOAD_BYTES, this.options.config.limits.maxInputBytes);
    const tooLarge = () =>
      new InputRefused('errors.input.too_large', { limit: `${Math.round(limit / 1048576)} MB` });
    if (size !== undefined && size > limit) throw tooLarge();
    const file = await this.bot.api.getFile(fileId);
    if (!file.file_path) throw new InputRefused('errors.telegram.download_failed');
    const root = this.options.apiRoot ?? 'https://api.telegram.org';
    const response = await fetch(`${root}/file/bot${this.options.config.telegram.token}/${file.file_path}`, {
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
    if (!response?.ok) throw new InputRefused('errors.telegram.download_failed');
    const data = new Uint8Array(await response.arrayBuffer());
    if (data.byteLength > limit) throw tooLarge();
    return { data, filename: file.file_path.split('/').pop() ?? 'image' };
  }

  private imageOf(message: Message | undefined): { id: string; size?: number } | undefined {
    if (!message) return undefined;
    const photo = message.photo?.reduce((a: PhotoSize, b: PhotoSize) =>
      b.width * b.height > a.width * a.height ? b : a,
    );
    if (photo) return { id: photo.file_id, size: photo.file_size };
    const doc = message.document;
    if (doc && (doc.mime_type ?? '').startsWith('image/')) return { id: doc.file_id, size: doc.file_size };
    return undefined;
  }

  private async onImage(ctx: Context): Promise<void> {
    const message = ctx.message as Message;
    const caption = message.caption ?? '';
    const found = this.imageOf(message);
    if (!found) return;
    const c = this.context(ctx);
    const image = await this.download(found.id, found.size);
    const reply =
      (await this.options.commands.runText(c, caption, [image], this.bot.botInfo.username)) ??
      (ctx.chat?.type === 'private' && caption
        ? await this.options.commands.replyToImage(c, { image, text: caption })
        : undefined);
    if (reply) await this.send(ctx, c, reply);
  }

  private async onText(ctx: Context): Promise<void> {
    const message = ctx.message as Message;
    const text = message.text ?? '';
    const c = this.context(ctx);
    const replied = message.reply_to_message;
    const repliedImage = this.imageOf(replied);
    const images = repliedImage ? [await this.download(repliedImage.id, repliedImage.size)] : [];
    const command = await this.options.commands.runText(c, text, images, this.bot.botInfo.username);
    if (command) {
      await this.send(ctx, c, command);
      return;
    }
    if (!repliedImage || !images[0]) return;
    // In groups (privacy mode) only replies to the bot's own messages or mentions of it are meant for the bot.
    const me = this.bot.botInfo;
    const mentioned = text.includes(`@${me.username}`);
    const toBot = replied?.from?.id === me.id;
    if (ctx.chat?.type !== 'private' && !mentioned && !toBot) return;
    const cleaned = text.replace(`@${me.username}`, '').trim();
    await this.send(ctx, c, await this.options.commands.replyToImage(c, { image: images[0], text: cleaned }));
  }

  private async onButton(ctx: Context): Promise<void> {
    const data = ctx.callbackQuery?.data ?? '';
    const c = this.context(ctx);
    const reply = await this.options.commands.pressButton(c, data);
    await ctx.answerCallbackQuery().catch(() => undefined);
    if (reply.deleteSource) {
      await ctx.deleteMessage().catch(() => undefined);
      return;
    }
    await this.send(ctx, c, reply);
  }

  /** Sends a reply: a photo with its keyboard, else text; tracks the message when a job will update it. */
  private async send(ctx: Context, c: CommandContext, reply: Reply): Promise<void> {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const replyTo = ctx.message?.message_id ?? ctx.callbackQuery?.message?.message_id;
    const parameters = replyTo
      ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }
      : {};
    if (reply.images && reply.images.length > 0) {
      await this.sendImage(chatId, reply, c.locale, parameters);
      return;
    }
    const text = replyText(reply, c.locale);
    const sent = await this.bot.api.sendMessage(chatId, text, {
      ...parameters,
      reply_markup: keyboard(reply, c.locale),
    });
    if (reply.jobId && !reply.final) {
      const entry: Tracked = {
        chatId,
        statusMessageId: sent.message_id,
        replyTo: replyTo ?? sent.message_id,
        locale: c.locale,
        group: ctx.chat?.type !== 'private',
        lastEdit: Date.now(),
        lastText: text,
      };
      this.tracked.set(reply.jobId, entry);
    }
  }

  private async sendImage(chatId: number, reply: Reply, locale: Locale, parameters: object): Promise<void> {
    const image = reply.images?.[0];
    if (!image) return;
    const caption = replyText(reply, locale, 1024);
    const markup = keyboard(reply, locale);
    const file = () => new InputFile(Buffer.from(image.data), image.filename);
    try {
      await this.bot.api.sendPhoto(chatId, file(), { ...parameters, caption, reply_markup: markup });
    } catch (error) {
      // Photos past Telegram's limits (size, dimensions) go as documents, lossless.
      if (!(error instanceof GrammyError) || (error.error_code !== 400 && error.error_code !== 413))
        throw error;
      await this.bot.api.sendDocument(chatId, file(), { ...parameters, caption, reply_markup: markup });
    }
  }

  /** Job updates: progress edits throttled per chat and skipped when unchanged; the result as a photo reply. */
  private async onUpdate(jobId: string, reply: Reply): Promise<void> {
    const entry = this.tracked.get(jobId);
    if (!entry) return;
    if (!entry.typing && !reply.final) {
      const action = () =>
        void this.bot.api.sendChatAction(entry.chatId, 'upload_photo').catch(() => undefined);
      action();
      entry.typing = setInterval(action, 4500);
    }
    if (reply.final) {
      this.tracked.delete(jobId);
      clearTimeout(entry.timer);
      clearInterval(entry.typing);
      const parameters = {
        reply_parameters: { message_id: entry.replyTo, allow_sending_without_reply: true },
      };
      if (reply.images && reply.images.length > 0) {
        await this.sendImage(entry.chatId, reply, entry.locale, parameters);
        await this.bot.api.deleteMessage(entry.chatId, entry.statusMessageId).catch(() => undefined);
      } else {
        await this.editStatus(entry, reply);
      }
      return;
    }
    const text = replyText(reply, entry.locale);
    if (text === entry.lastText) return;
    const wait = entry.lastEdit + (entry.group ? this.intervals.group : this.intervals.private) - Date.now();
    if (wait > 0) {
      entry.pending = reply;
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined;
        const pending = entry.pending;
        entry.pending = undefined;
        if (pending && this.tracked.has(jobId)) void this.onUpdate(jobId, pending);
      }, wait);
      return;
    }
    await this.editStatus(entry, reply);
  }

  private async editStatus(entry: Tracked, reply: Reply): Promise<void> {
    const text = replyText(reply, entry.locale);
    entry.lastText = text;
    entry.lastEdit = Date.now();
    await this.bot.api
      .editMessageText(entry.chatId, entry.statusMessageId, text, {
        reply_markup: keyboard(reply, entry.locale),
      })
      .catch((error: unknown) => {
        // "message is not modified" and a deleted status message are not worth a retry.
        if (!(error instanceof GrammyError)) throw error;
      });
  }
}
