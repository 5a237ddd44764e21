// The Discord adapter: interactions and mentions in, commands called, replies rendered and kept up to date.
// Every interaction is acknowledged first (Discord's 3-second rule), whatever the queue holds.
import {
  ActionRowBuilder,
  type APIInteractionGuildMember,
  type Attachment,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  GatewayIntentBits,
  type GuildMember,
  type Interaction,
  InteractionContextType,
  type Message,
  type MessageContextMenuCommandInteraction,
  MessageFlags,
  ModalBuilder,
  type ModalSubmitInteraction,
  Partials,
  type RepliableInteraction,
  type StringSelectMenuInteraction,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import {
  type CommandContext,
  type Commands,
  type InputImage,
  optionsOf,
  parseButtonId,
  type Reply,
  resultJobOf,
  textReply,
  UserInputError,
} from '../../commands/index.js';
import type { Config } from '../../src/config/index.js';
import { type Locale, t } from '../../src/i18n.js';
import type { DeliveryLog } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import type { Delivery } from '../shared/job-status.js';
import { RecentIds } from '../shared/recent-ids.js';
import { DISCORD_CDN_HOSTS, download } from './attachments.js';
import { MENUS, type MenuId, toDiscordCommands } from './command-json.js';
import { guardGateway } from './gateway-guard.js';
import { type InteractionsEndpoint, startInteractionsEndpoint } from './interactions-endpoint.js';
import { DiscordJobMessages } from './job-messages.js';
import { imagesOf, type PickAction, parsePickerId, pickerMessage } from './picker.js';
import { DEFAULT_UPLOAD_LIMIT, fitReply, NO_MENTIONS, toDiscordMessage } from './render.js';
import type { DiscordPlace } from './status.js';

export interface DiscordOptions {
  config: Config;
  commands: Commands;
  log: Logger;
  /** Where status messages are remembered and undelivered endings marked (the job store's). */
  deliveries: DeliveryLog;
  /** Tests and the soak count how each job's ending reached its owner. */
  onDelivery?: (jobId: string, delivery: Delivery) => void;
  /** Tests point discord.js at a local fake; production leaves these out. */
  rest?: { api: string; cdn?: string };
  cdnHosts?: readonly string[];
  /** Minimum time between progress edits of one message. */
  editIntervalMs?: number;
  /** Tests listen on an ephemeral port (0) instead of DISCORD_INTERACTIONS_PORT. */
  interactionsPort?: number;
}

/**
 * discord.js has no public entry for interactions that arrive over HTTP. Its gateway handler for INTERACTION_CREATE
 * is exactly `client.actions.InteractionCreate.handle(data)`; this is that call, checked at start-up.
 */
type InteractionAction = { handle(data: unknown): void };
function interactionAction(client: Client): InteractionAction {
  const actions = (client as unknown as { actions?: { InteractionCreate?: InteractionAction } }).actions;
  const action = actions?.InteractionCreate;
  if (typeof action?.handle !== 'function') {
    throw new Error(
      'this discord.js version has no InteractionCreate action: HTTP interactions cannot be used',
    );
  }
  return action;
}

/** Where an event came from and who sent it, as far as the adapter's decisions need. */
interface Origin {
  user: { id: string };
  guildId: string | null;
  locale: string | null;
  channelId: string | null;
  /** The member's role ids in that guild (empty in DMs). */
  roles: readonly string[];
  /** The per-file upload limit there (`attachment_size_limit` on interactions). */
  uploadLimit: number;
}

type MenuAction = Exclude<PickAction, 'mention'>;

const MENU_ACTIONS: Record<MenuId, MenuAction> = {
  describe_image: 'describe',
  edit_image: 'edit',
  retouch_image: 'retouch',
};

/** Computing a reply longer than this defers the interaction first (Discord wants an answer within 3 s). */
const ACK_BUDGET_MS = 2000;

export class DiscordBot {
  readonly client: Client;
  private readonly jobMessages: DiscordJobMessages;
  /** Interaction and message ids already handled: Discord (or a replayed gateway) may deliver one twice. */
  private readonly seen = new RecentIds(5000);
  private unsubscribe?: () => void;
  private endpoint?: InteractionsEndpoint;
  private readonly hosts: readonly string[];

  constructor(private readonly options: DiscordOptions) {
    this.hosts = options.cdnHosts ?? DISCORD_CDN_HOSTS;
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel, Partials.Message],
      // Nothing the bot sends pings anyone unless a message asks for it (only the requester, on a fallback reply).
      allowedMentions: NO_MENTIONS,
      ...(options.rest ? { rest: options.rest } : {}),
    });
    this.jobMessages = new DiscordJobMessages(this.client, {
      deliveries: options.deliveries,
      log: options.log,
      onDelivery: options.onDelivery,
      editIntervalMs: options.editIntervalMs ?? 1500,
    });
  }

  async start(token: string): Promise<void> {
    const { client, log } = { client: this.client, log: this.options.log };
    client.on('interactionCreate', (interaction) => {
      if (!this.seen.add(`i:${interaction.id}`)) return;
      this.onInteraction(interaction)
        .catch((error: unknown) => this.fail(interaction, error))
        .catch((error: unknown) => log.warn({ err: error }, 'discord interaction failed'));
    });
    client.on('messageCreate', (message) => {
      if (!message?.id || !this.seen.add(`m:${message.id}`)) return;
      this.onMessage(message).catch((error: unknown) =>
        log.warn({ err: error }, 'discord message handling failed'),
      );
    });
    guardGateway(client, (event) => log.warn({ event }, 'discord gateway event without a user dropped'));
    client.on('error', (error) => log.warn({ err: error }, 'discord client error'));
    client.on('shardError', (error) => log.warn({ err: error }, 'discord gateway error'));
    this.unsubscribe = this.options.commands.subscribe(({ job, reply }) => {
      this.jobMessages
        .update(job, reply)
        .catch((error: unknown) => log.warn({ err: error, jobId: job.id }, 'discord update failed'));
    }, 'discord');
    const ready = new Promise<void>((resolve) => client.once('clientReady', () => resolve()));
    await client.login(token);
    await ready;
    await this.register();
    const http = this.options.config.discord.interactions;
    if (http) {
      const action = interactionAction(client);
      this.endpoint = await startInteractionsEndpoint({
        publicKey: http.publicKey,
        host: http.host,
        port: this.options.interactionsPort ?? http.port,
        onInteraction: (payload) => {
          try {
            action.handle(payload);
          } catch (error) {
            log.warn({ err: error }, 'discord http interaction could not be read');
          }
        },
        onError: (error) => log.warn({ err: error }, 'discord interactions endpoint error'),
      });
      log.info({ url: this.endpoint.url }, 'discord interactions endpoint listening');
    }
    log.info({ user: client.user?.tag }, 'discord connected');
  }

  /** The local URL of the HTTP interactions endpoint, when that mode is on. */
  get interactionsUrl(): string | undefined {
    return this.endpoint?.url;
  }

  /**
   * Registers the commands per guild in DISCORD_GUILD_IDS (instant; they never show in DMs), else globally, where
   * `contexts` offers them in DMs only when DMs are on. The refusal in onInteraction covers older clients.
   */
  private async register(): Promise<void> {
    const application = this.client.application;
    if (!application) return;
    const body = toDiscordCommands(this.options.commands.registry.specs);
    const guilds = this.options.config.discord.guildIds;
    if (guilds.length === 0) {
      // Discord: contexts apply to globally-scoped commands only.
      const contexts = this.options.config.discord.allowDms
        ? [InteractionContextType.Guild, InteractionContextType.BotDM]
        : [InteractionContextType.Guild];
      await application.commands.set(body.map((command) => ({ ...command, contexts })));
    } else {
      for (const guild of guilds) await application.commands.set(body, guild);
    }
  }

  async stop(): Promise<void> {
    await this.endpoint?.close();
    this.unsubscribe?.();
    this.jobMessages.stop();
    await this.client.destroy();
  }

  private originOf(interaction: Interaction): Origin {
    return {
      user: interaction.user ?? { id: '0' },
      guildId: interaction.guildId,
      locale: interaction.locale,
      channelId: interaction.channelId,
      roles: roleIdsOf(interaction.member),
      uploadLimit: interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT,
    };
  }

  private context(origin: Origin): CommandContext {
    const adminRoles = this.options.config.discord.adminRoleIds;
    return this.options.commands.context({
      user: { platform: 'discord', userId: origin.user.id },
      scope: origin.guildId ? `guild:${origin.guildId}` : `dm:${origin.user.id}`,
      language: origin.locale,
      // Roles are per guild, so an admin role counts only where it was held (never in DMs).
      admin: origin.guildId !== null && origin.roles.some((role) => adminRoles.includes(role)),
      meta: {
        discordChannelId: origin.channelId ?? undefined,
        discordUploadLimit: origin.uploadLimit,
      },
    });
  }

  private allowed(guildId: string | null): boolean {
    const list = this.options.config.discord.guildIds;
    return guildId === null || list.length === 0 || list.includes(guildId);
  }

  private dmsRefused(guildId: string | null): boolean {
    return guildId === null && !this.options.config.discord.allowDms;
  }

  private async image(attachment: Attachment | null | undefined): Promise<InputImage | undefined> {
    if (!attachment) return undefined;
    return download(attachment, { hosts: this.hosts, maxBytes: this.options.config.limits.maxInputBytes });
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (!interaction.isRepliable()) return;
    const ctx = this.context(this.originOf(interaction));
    const refusal = !this.allowed(interaction.guildId)
      ? 'errors.discord.guild_not_allowed'
      : this.dmsRefused(interaction.guildId)
        ? 'errors.discord.dms_disabled'
        : undefined;
    if (refusal) {
      await interaction.reply({ content: t(ctx.locale, refusal), flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.isButton()) return this.onButton(interaction, ctx);
    if (interaction.isStringSelectMenu()) return this.onPick(interaction, ctx);
    if (interaction.isModalSubmit()) return this.onModal(interaction, ctx);
    if (interaction.isMessageContextMenuCommand()) return this.onMenu(interaction, ctx);
    if (interaction.isChatInputCommand()) return this.onSlash(interaction, ctx);
  }

  /** A slash command: its options collected by iterating the command's spec, then run by name. */
  private async onSlash(i: ChatInputCommandInteraction, ctx: CommandContext): Promise<void> {
    const commands = this.options.commands;
    const command = commands.registry.find(i.commandName);
    const work = async (): Promise<Reply> => {
      if (!command) return commands.run(ctx, { name: 'help' });
      const options: Record<string, unknown> = {};
      const images: Record<string, InputImage | undefined> = {};
      for (const option of optionsOf(command.spec)) {
        // An attachment missing from `resolved` (or never given) is left out: the spec names the refusal.
        if (option.type === 'attachment')
          images[option.name] = await this.image(i.options.getAttachment(option.name));
        else options[option.name] = i.options.get(option.name)?.value;
      }
      return commands.run(ctx, { name: command.spec.name, options, images });
    };
    await this.answer(i, ctx, work, command?.spec.personal === true || ctx.settings.private === true);
  }

  private async onButton(i: ButtonInteraction, ctx: CommandContext): Promise<void> {
    const parsed = parseButtonId(i.customId);
    if (parsed?.action === 'edit') {
      await i.showModal(this.editModal(`editmodal:${parsed.jobId}`, ctx.locale));
      return;
    }
    // Re-roll, variations, describe and zoom-out start a new job: a new message. Cancel and delete act in place,
    // and their answer is for the presser only.
    const inPlace = parsed?.action === 'cancel' || parsed?.action === 'delete';
    await this.answer(i, ctx, () => this.options.commands.pressButton(ctx, i.customId), inPlace);
  }

  private editModal(customId: string, locale: Locale): ModalBuilder {
    return new ModalBuilder()
      .setCustomId(customId)
      .setTitle(t(locale, 'discord.edit_modal.title').slice(0, 45))
      .addComponents(
        new ActionRowBuilder<TextInputBuilder>().addComponents(
          new TextInputBuilder()
            .setCustomId('instruction')
            .setLabel(t(locale, 'discord.edit_modal.label').slice(0, 45))
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(true)
            .setMaxLength(1000),
        ),
      );
  }

  private retouchModal(customId: string, locale: Locale): ModalBuilder {
    return new ModalBuilder()
      .setCustomId(customId)
      .setTitle(t(locale, 'discord.retouch_modal.title').slice(0, 45))
      .addComponents(
        new ActionRowBuilder<TextInputBuilder>().addComponents(
          new TextInputBuilder()
            .setCustomId('prompt')
            .setLabel(t(locale, 'discord.retouch_modal.prompt').slice(0, 45))
            .setStyle(TextInputStyle.Paragraph)
            .setRequired(true)
            .setMaxLength(1000),
        ),
        new ActionRowBuilder<TextInputBuilder>().addComponents(
          new TextInputBuilder()
            .setCustomId('boxes')
            .setLabel(t(locale, 'discord.retouch_modal.boxes').slice(0, 45))
            .setStyle(TextInputStyle.Short)
            .setPlaceholder('0.25,0.25,0.5,0.5')
            .setRequired(true)
            .setMaxLength(200),
        ),
      );
  }

  /** Modals opened from a message menu (`menuedit:` / `menuretouch:` + message id + image index) or a button. */
  private async onModal(i: ModalSubmitInteraction, ctx: CommandContext): Promise<void> {
    const [kind, id, index] = i.customId.split(':');
    const c = this.options.commands;
    const work = async (): Promise<Reply> => {
      if (kind === 'editmodal' && id) return c.editResult(ctx, id, i.fields.getTextInputValue('instruction'));
      if ((kind === 'menuedit' || kind === 'menuretouch') && id) {
        const message = await this.fetchMessage(i.channelId, id);
        const image = await this.image(imagesOf(message)[Number(index ?? 0)]);
        if (!image) return textReply('errors.discord.no_image');
        if (kind === 'menuedit')
          return c.run(ctx, {
            name: 'edit',
            options: { instruction: i.fields.getTextInputValue('instruction') },
            images: { image },
          });
        return c.run(ctx, {
          name: 'retouch',
          options: {
            prompt: i.fields.getTextInputValue('prompt'),
            boxes: i.fields.getTextInputValue('boxes'),
          },
          images: { image },
        });
      }
      return c.run(ctx, { name: 'help' });
    };
    await this.answer(i, ctx, work, ctx.settings.private === true);
  }

  /** "Describe image", "Edit image…", "Retouch…": at once with one image, after a pick with several. */
  private async onMenu(i: MessageContextMenuCommandInteraction, ctx: CommandContext): Promise<void> {
    const menu = MENUS.find((id) => t('en', `menu.${id}.name`) === i.commandName);
    const action = menu ? MENU_ACTIONS[menu] : 'describe';
    const images = imagesOf(i.targetMessage);
    if (images.length > 1) {
      await i.reply({
        ...pickerMessage(images, action, i.targetMessage.id, ctx.locale),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await this.runMenuAction(i, ctx, action, i.targetMessage, 0);
  }

  private async runMenuAction(
    i: MessageContextMenuCommandInteraction | StringSelectMenuInteraction,
    ctx: CommandContext,
    action: MenuAction,
    message: Message | undefined,
    index: number,
  ): Promise<void> {
    const attachment = imagesOf(message)[index];
    if (message && attachment && action !== 'describe') {
      const modal =
        action === 'edit'
          ? this.editModal(`menuedit:${message.id}:${index}`, ctx.locale)
          : this.retouchModal(`menuretouch:${message.id}:${index}`, ctx.locale);
      await i.showModal(modal);
      return;
    }
    const work = async (): Promise<Reply> => {
      const image = await this.image(attachment);
      return image
        ? this.options.commands.run(ctx, { name: 'describe', images: { image } })
        : textReply('errors.discord.no_image');
    };
    await this.answer(i, ctx, work, ctx.settings.private === true);
  }

  /** A pick from a picker: the value is the image's index in the message it names. */
  private async onPick(i: StringSelectMenuInteraction, ctx: CommandContext): Promise<void> {
    const parsed = parsePickerId(i.customId);
    const index = Number(i.values[0]);
    if (!parsed || !Number.isInteger(index)) {
      await i.reply({ content: t(ctx.locale, 'errors.button.unknown'), flags: MessageFlags.Ephemeral });
      return;
    }
    const message = await this.fetchMessage(i.channelId, parsed.messageId);
    if (parsed.action !== 'mention') return this.runMenuAction(i, ctx, parsed.action, message, index);
    if (!message) {
      await i.reply({ content: t(ctx.locale, 'errors.discord.no_image'), flags: MessageFlags.Ephemeral });
      return;
    }
    // The picker under a mention is public: only the person who mentioned the bot may answer it.
    if (message.author?.id !== i.user.id) {
      await i.reply({ content: t(ctx.locale, 'errors.button.owner_only'), flags: MessageFlags.Ephemeral });
      return;
    }
    // One pick per question: the select goes away so a second click cannot start a second job.
    await i.message.edit({ components: [] }).catch(() => undefined);
    const work = async (): Promise<Reply> => {
      const { images, text } = await this.mentionSource(message);
      const image = await this.image(images[index]);
      return image
        ? this.options.commands.replyToImage(ctx, { image, text })
        : textReply('errors.discord.no_image');
    };
    await this.answer(i, ctx, work, ctx.settings.private === true);
  }

  private async fetchMessage(channelId: string | null, messageId: string): Promise<Message | undefined> {
    if (!channelId) return undefined;
    const channel =
      this.client.channels.cache.get(channelId) ??
      (await this.client.channels.fetch(channelId).catch(() => null));
    if (!channel?.isTextBased()) return undefined;
    return channel.messages.fetch(messageId).catch(() => undefined);
  }

  /**
   * The images a mention is about (those of the message it replies to, else its own), its text, and the job when
   * it replies to one of our results (whose stored PNG is the lossless original of what Discord shows).
   */
  private async mentionSource(
    message: Message,
  ): Promise<{ images: Attachment[]; text: string; result?: string }> {
    const me = this.client.user?.id ?? '';
    const text = (message.content ?? '').replace(new RegExp(`<@!?${me}>`, 'g'), '').trim();
    let referenced: Message | undefined;
    if (message.reference?.messageId) {
      // The message it replies to may have been deleted meanwhile: that is the user's answer, not a crash.
      referenced = await message.fetchReference().catch(() => undefined);
      if (!referenced) throw new UserInputError('errors.discord.reference_gone');
    }
    const theirs = imagesOf(referenced);
    const result =
      referenced && referenced.author?.id === me ? resultJobOf(buttonIdsOf(referenced)) : undefined;
    return { images: theirs.length > 0 ? theirs : imagesOf(message), text, ...(result ? { result } : {}) };
  }

  /** One of our results (its stored PNG), else the image the mention is about, else a prompt. */
  private async mentionReply(
    ctx: CommandContext,
    result: string | undefined,
    attachment: Attachment | undefined,
    text: string,
  ): Promise<Reply> {
    const commands = this.options.commands;
    if (result) return commands.replyToResult(ctx, result, text);
    const image = await this.image(attachment);
    return image
      ? commands.replyToImage(ctx, { image, text })
      : commands.run(ctx, { name: 'imagine', options: { prompt: text } });
  }

  /** Mentions that reply to a message with an image: an edit, or a describe when it is a question. */
  private async onMessage(message: Message): Promise<void> {
    const me = this.client.user;
    if (!me || !message.author || message.author.bot || !message.mentions?.users?.has(me.id)) return;
    if (!this.allowed(message.guildId)) return;
    const ctx = this.context({
      user: message.author,
      guildId: message.guildId,
      locale: message.guild?.preferredLocale ?? null,
      channelId: message.channelId,
      roles: roleIdsOf(message.member),
      uploadLimit: DEFAULT_UPLOAD_LIMIT,
    });
    if (this.dmsRefused(message.guildId)) {
      await message.reply({
        content: t(ctx.locale, 'errors.discord.dms_disabled'),
        allowedMentions: NO_MENTIONS,
      });
      return;
    }
    let reply: Reply;
    try {
      const { images, text, result } = await this.mentionSource(message);
      if (!result && images.length > 1) {
        await message.reply({
          ...pickerMessage(images, 'mention', message.id, ctx.locale),
          allowedMentions: NO_MENTIONS,
        });
        return;
      }
      reply = await this.mentionReply(ctx, result, images[0], text);
    } catch (error) {
      reply = this.errorReply(error);
    }
    const payload = toDiscordMessage(await fitReply(reply, DEFAULT_UPLOAD_LIMIT), ctx.locale);
    const sent = message.reply(payload as Parameters<Message['reply']>[0]);
    if (reply.startsJob && reply.jobId) {
      const place: DiscordPlace = {
        channelId: message.channelId,
        userMessageId: message.id,
        userId: message.author.id,
        locale: ctx.locale,
        uploadLimit: DEFAULT_UPLOAD_LIMIT,
        private: false,
      };
      this.jobMessages.open(reply.jobId, reply, place, sent);
    }
    await sent;
  }

  /**
   * Answers an interaction with the reply `work` makes: at once (so a refusal or a personal answer is ephemeral)
   * when it is ready within ACK_BUDGET_MS, else after a deferral, which must choose its visibility first.
   */
  private async answer(
    i: RepliableInteraction,
    ctx: CommandContext,
    work: () => Promise<Reply>,
    privately: boolean,
  ): Promise<void> {
    const pending = work();
    // Awaited below on every path but one (the deferral itself failing): that one must not leave it unhandled.
    pending.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ACK_BUDGET_MS);
    });
    const early = await Promise.race([pending, late]).finally(() => clearTimeout(timer));
    const uploadLimit = i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
    if (early === undefined) {
      await i.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {});
      const reply = await pending;
      if (reply.deleteSource) return this.deleteSource(i, true);
      const sent = fitReply(reply, uploadLimit).then((fitted) =>
        i.editReply(toDiscordMessage(fitted, ctx.locale)),
      );
      this.jobMessages.openFromInteraction(i, ctx, reply, privately, sent);
      await sent;
      return;
    }
    const reply = early;
    if (reply.deleteSource) return this.deleteSource(i, false);
    const ephemeral = privately || reply.ephemeral === true;
    const sent = fitReply(reply, uploadLimit)
      .then((fitted) => {
        const { content, files, components, allowedMentions } = toDiscordMessage(fitted, ctx.locale);
        return i.reply({
          content,
          files,
          components,
          allowedMentions,
          ...(ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
          withResponse: true,
        });
      })
      .then((response) => response.resource?.message ?? undefined);
    this.jobMessages.openFromInteraction(i, ctx, reply, ephemeral, sent);
    await sent;
  }

  /** The Delete button: the message it was on goes, and the press needs no answer of its own. */
  private async deleteSource(i: RepliableInteraction, deferred: boolean): Promise<void> {
    if (i.isMessageComponent()) await i.message.delete().catch(() => undefined);
    if (deferred) await i.deleteReply().catch(() => undefined);
    else if (i.isMessageComponent()) await i.deferUpdate().catch(() => undefined);
  }

  private errorReply(error: unknown): Reply {
    if (error instanceof UserInputError) return textReply(error.key, error.params);
    this.options.log.warn({ err: error }, 'discord request failed');
    return textReply('errors.generic');
  }

  /** Any failure reaches the user as one localized message, only them; the bot keeps running. */
  private async fail(interaction: Interaction, error: unknown): Promise<void> {
    const reply = this.errorReply(error);
    if (!interaction.isRepliable()) return;
    const locale = this.context(this.originOf(interaction)).locale;
    const payload = toDiscordMessage(reply, locale);
    try {
      if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
      else
        await interaction.reply({
          content: payload.content,
          allowedMentions: payload.allowedMentions,
          flags: MessageFlags.Ephemeral,
        });
    } catch (second) {
      this.options.log.warn({ err: second }, 'could not report a discord error');
    }
  }
}

/**
 * Role ids of a member: a cached GuildMember's roles, or the raw list an interaction carries when the guild is not
 * cached.
 */
function roleIdsOf(member: GuildMember | APIInteractionGuildMember | null | undefined): string[] {
  if (!member) return [];
  if (Array.isArray(member.roles)) return member.roles;
  return [...member.roles.cache.keys()];
}

/** The custom ids of a message's buttons. */
function buttonIdsOf(message: Message): string[] {
  return message.components.flatMap((row) =>
    'components' in row
      ? row.components.flatMap((c) => ('customId' in c && c.customId ? [c.customId] : []))
      : [],
  );
}
