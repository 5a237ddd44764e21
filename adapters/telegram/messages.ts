// Messages in, commands called: a photo or image file with its caption, an album, a captioned file that is no image,
// and a text (a command, the answer to one of the bot's questions, a slip of a command's name, or a reply to an
// image). Only the images a command takes are downloaded: a replied-to one only where the command requires it
// (commands' `imageSlots`).
import type { Context } from 'grammy';
import type { Message, UserFromGetMe } from 'grammy/types';
import {
  type CommandContext,
  type Commands,
  commandWord,
  nearestCommand,
  quoted,
  type Reply,
  resultJobOf,
  textReply,
} from '../../commands/index.js';
import { mentions, opensWithCommand, pastMention, withoutMention } from './addressing.js';
import type { CommandLines } from './command-lines.js';
import { buttonIdsOf, type ImageRef, type IncomingImages, imageOf } from './incoming-images.js';
import type { TelegramQuestions } from './questions.js';
import type { RepeatedUpdates } from './repeats.js';
import type { TelegramReplies } from './replies.js';
import { senderIdOf } from './sender-id.js';

export interface MessageDeps {
  commands: Commands;
  lines: CommandLines;
  images: Pick<IncomingImages, 'fetch'>;
  replies: Pick<TelegramReplies, 'send'>;
  questions: Pick<TelegramQuestions, 'replyTo'>;
  repeats: Pick<RepeatedUpdates, 'albumHandled'>;
  context: (ctx: Context) => CommandContext;
  /** The bot itself, known once grammY's `init` has asked Telegram. */
  me: () => UserFromGetMe;
}

export class TelegramMessages {
  constructor(private readonly deps: MessageDeps) {}

  /**
   * A photo or image document, with or without a caption. Besides "photo + caption command", two ways give
   * /retouch its mask as a second photo: reply to the image with the mask captioned `/retouch <prompt>`, or reply
   * to one's own `/retouch <prompt>` photo with the mask alone.
   */
  async onImage(ctx: Context): Promise<void> {
    const { lines } = this.deps;
    const message = ctx.msg as Message;
    const attached = imageOf(message);
    // A photo message listing no sizes is malformed: nothing to answer about.
    if (!attached) return message.photo ? undefined : this.onNotImage(ctx);
    const replied = message.reply_to_message;
    const repliedImage = imageOf(replied);
    let caption = message.caption ?? '';
    let refs: ImageRef[] = [attached];
    if (repliedImage && lines.isCommand(caption, 'retouch')) {
      refs = [repliedImage, attached];
    } else if (
      repliedImage &&
      !caption &&
      senderIdOf(replied) === senderIdOf(message) &&
      lines.isCommand(replied?.caption, 'retouch')
    ) {
      caption = replied?.caption ?? '';
      refs = [repliedImage, attached];
    }
    await this.runImages(ctx, caption, refs);
  }

  /** An album: the caption (wherever it is) applies to its images in order: image first, then mask or reference. */
  async onAlbum(items: Context[]): Promise<void> {
    const messages = items.map((ctx) => ctx.message as Message);
    const refs = messages.map((m) => imageOf(m)).filter((r): r is ImageRef => r !== undefined);
    const captioned = messages.findIndex((m) => m.caption);
    const sender = senderIdOf(messages[0]);
    if (!items[0] || sender === undefined || this.deps.repeats.albumHandled(sender, messages)) return;
    if (refs.length === 0) return this.onNotImage(items[captioned] ?? items[0]);
    await this.runImages(items[0], messages[captioned]?.caption ?? '', refs, messages[captioned]);
  }

  /** A file that is no image (a PDF, a video): a caption command of ours taking images is told so, others run. */
  async onNotImage(ctx: Context): Promise<void> {
    const caption = (ctx.msg as Message | undefined)?.caption ?? '';
    const command = this.deps.lines.parse(caption);
    if (!command) return void (await this.answerSlip(ctx, this.deps.context(ctx), caption));
    if (this.deps.lines.imageSlots(command.name).own === 0) return this.runImages(ctx, caption, []);
    const c = this.deps.context(ctx);
    const refusal = this.deps.commands.refusal(c) ?? textReply('errors.engine.image_unsupported');
    await this.deps.replies.send(ctx, c, refusal);
  }

  /** `captionedOn`: the message the caption is on (an album's may be any of its items), whose entities tell. */
  private async runImages(
    ctx: Context,
    typed: string,
    refs: ImageRef[],
    captionedOn = ctx.msg as Message | undefined,
  ): Promise<void> {
    const { commands, lines, replies } = this.deps;
    const username = this.deps.me().username;
    const c = this.deps.context(ctx);
    const caption = lines.line(typed);
    const command = lines.parse(caption);
    // In private chats a plain caption edits or describes the photo; elsewhere only our commands count.
    const plain = caption !== '' && !(captionedOn && opensWithCommand(captionedOn));
    // A caption that opens with a slip of a command's name is answered as the same line typed alone would be.
    if (!command && (await this.answerSlip(ctx, c, caption))) return;
    if (!command && !(ctx.chat?.type === 'private' && plain)) return;
    if (command && lines.imageSlots(command.name).own === 0) {
      const reply = await commands.runText(c, caption, [], username);
      if (reply) await replies.send(ctx, c, reply);
      return;
    }
    // A plain caption is about one image: an edit, a describe, or the /imagine it names. The answer says when
    // more came than were used (commands/unused-images.ts).
    const used = refs.slice(0, command ? lines.imageSlots(command.name).own : 1);
    const images = await this.deps.images.fetch(ctx, c, used);
    const image = images?.[0];
    if (!images || !image) return;
    const offered = refs.length;
    const reply =
      (await commands.runText(c, caption, images, username, offered)) ??
      (await commands.replyToImage(c, { image, text: caption, offered }));
    await replies.send(ctx, c, reply);
  }

  async onText(ctx: Context): Promise<void> {
    const { commands, lines, replies, images } = this.deps;
    const message = ctx.msg as Message;
    const text = lines.line(message.text);
    const c = this.deps.context(ctx);
    const replied = message.reply_to_message;
    const repliedImage = imageOf(replied);
    const me = this.deps.me();
    const command = lines.parse(text);
    // The answer to one of the bot's questions; one it no longer knows is said to have expired (questions.ts).
    const answer = replied && this.deps.questions.replyTo(replied, message, me.id);
    // Typed as the command the answer runs (`/imagine a fox` to Remix's question), it is still the answer.
    const answers =
      answer && answer !== 'expired' && commands.answerRuns(answer.kind, answer.jobId) === command?.name;
    if (command && !answers) {
      // A replied-to image only where the command requires one: a fresh /imagine under a picture draws anew.
      const wanted = repliedImage && lines.imageSlots(command.name).replied ? [repliedImage] : [];
      const fetched = await images.fetch(ctx, c, wanted);
      if (!fetched) return;
      const reply = await commands.runText(c, text, fetched, me.username);
      if (reply) await replies.send(ctx, c, reply);
      return;
    }
    if (answer) {
      const reply =
        answer === 'expired'
          ? textReply('ask.expired')
          : await commands.answerAsk(c, answer.kind, answer.jobId, text, me.username);
      return void (await replies.send(ctx, c, reply));
    }
    const slip = this.slipOf(ctx, c, text, me.username);
    if (slip) return void (await replies.send(ctx, c, slip));
    if (!repliedImage || opensWithCommand(message)) return;
    // In groups (privacy mode) only replies to the bot's own messages or mentions of it are meant for the bot.
    const toBot = replied?.from?.id === me.id;
    if (ctx.chat?.type !== 'private' && !mentions(text, me.username) && !toBot) return;
    const cleaned = withoutMention(text, me.username);
    // One of our results: Telegram's copy is recompressed, the stored PNG is not.
    const result = toBot ? resultJobOf(buttonIdsOf(replied)) : undefined;
    if (result) {
      await replies.send(ctx, c, await commands.replyToResult(c, result, cleaned));
      return;
    }
    // `imagine a fox` under a photo is the /imagine it names, which takes no replied-to image: nothing to download.
    const named = commands.imageSlotsOf(cleaned);
    if (named && !named.replied) {
      const reply = await commands.runText(c, named.line, [], me.username);
      if (reply) await replies.send(ctx, c, reply);
      return;
    }
    const [image] = (await images.fetch(ctx, c, [repliedImage])) ?? [];
    if (!image) return;
    const line = { image, text: cleaned, replied: true };
    await replies.send(ctx, c, await commands.replyToImage(c, line));
  }

  /** A caption that is none of our commands, answered where it is a slip of one (`slipOf`): whether it was. */
  private async answerSlip(ctx: Context, c: CommandContext, caption: string): Promise<boolean> {
    const slip = this.slipOf(ctx, c, caption, this.deps.me().username);
    if (slip) await this.deps.replies.send(ctx, c, slip);
    return slip !== undefined;
  }

  /**
   * A `/word` that is none of our commands but looks like a slip of one (`/imagne`): answered with the command meant,
   * as a refusal, so an edit that puts the line right runs it (edits.ts). Only where the line is said to the bot: in
   * a private chat, or addressed to it by name (`/imagne@bot`, `@bot /imagne`); in a group a bare `/word` may be
   * another bot's command, and one addressed to another bot is never ours.
   */
  private slipOf(ctx: Context, c: CommandContext, text: string, username: string): Reply | undefined {
    const line = pastMention(text, username);
    const word = commandWord(line);
    if (!word) return undefined;
    const to = /^\s*\/[^\s@]+@([A-Za-z0-9_]+)/u.exec(line)?.[1];
    if (to !== undefined && to.toLowerCase() !== username.toLowerCase()) return undefined;
    if (ctx.chat?.type !== 'private' && to === undefined && line === text) return undefined;
    const { commands } = this.deps;
    const near = nearestCommand(commands.registry.specs, word, c.user.platform, c.isAdmin);
    if (!near) return undefined;
    const command = quoted(`/${word.toLowerCase()}`);
    // A blocked user hears that instead, as of any command (silent within its quiet time: replies.ts sends nothing).
    return commands.refusal(c) ?? textReply('web.unknown_command_near', { command, suggestion: `/${near}` });
  }
}
