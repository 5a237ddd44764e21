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
  parseButtonId,
  type Reply,
  toDiscordCommands,
} from '../../commands/index.js';
import type { Config } from '../../src/config/index.js';
import { type Locale, t } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { AttachmentRefused, DISCORD_CDN_HOSTS, download } from './attachments.js';
import { type InteractionsEndpoint, startInteractionsEndpoint } from './interactions-endpoint.js';
import { imagesOf, type PickAction, parsePickerId, pickerMessage } from './picker.js';
import { DEFAULT_UPLOAD_LIMIT, fitReply, signature, toDiscordMessage } from './render.js';

export interface DiscordOptions {
  config: Config;
  commands: Commands;
  log: Logger;
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

/** Interaction tokens live 15 minutes; past ~14 the adapter posts ordinary channel messages instead. */
const TOKEN_LIFETIME_MS = 14 * 60_000;

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

interface Tracked {
  locale: Locale;
  uploadLimit: number;
  interaction?: RepliableInteraction;
  at: number;
  message?: Message;
  channelId?: string;
  lastEdit: number;
  lastSignature?: string;
  pending?: Reply;
  timer?: NodeJS.Timeout;
  /** The first response to the user; updates wait for it so they never overtake it. */
  initial?: Promise<unknown>;
  /** The latest edit in flight; the next one waits for it. */
  sending?: Promise<unknown>;
}

export class DiscordBot {
  readonly client: Client;
  private readonly tracked = new Map<string, Tracked>();
  private unsubscribe?: () => void;
  private endpoint?: InteractionsEndpoint;
  private readonly hosts: readonly string[];
  private readonly editIntervalMs: number;

  constructor(private readonly options: DiscordOptions) {
    this.hosts = options.cdnHosts ?? DISCORD_CDN_HOSTS;
    this.editIntervalMs = options.editIntervalMs ?? 1500;
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel, Partials.Message],
      ...(options.rest ? { rest: options.rest } : {}),
    });
  }

  async start(token: string): Promise<void> {
    const { client, log } = { client: this.client, log: this.options.log };
    client.on('interactionCreate', (interaction) => {
      this.onInteraction(interaction).catch((error: unknown) => this.fail(interaction, error));
    });
    client.on('messageCreate', (message) => {
      this.onMessage(message).catch((error: unknown) =>
        log.warn({ err: error }, 'discord message handling failed'),
      );
    });
    client.on('error', (error) => log.warn({ err: error }, 'discord client error'));
    client.on('shardError', (error) => log.warn({ err: error }, 'discord gateway error'));
    this.unsubscribe = this.options.commands.subscribe(({ job, reply }) => {
      this.onUpdate(job.id, reply, job.meta).catch((error: unknown) =>
        log.warn({ err: error, jobId: job.id }, 'discord update failed'),
      );
    });
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
    type Body = Parameters<typeof application.commands.set>[0];
    const guilds = this.options.config.discord.guildIds;
    if (guilds.length === 0) {
      // Discord: contexts apply to globally-scoped commands only.
      const contexts = this.options.config.discord.allowDms ? [0, 1] : [0];
      const body = toDiscordCommands().map((command) => ({ ...command, contexts }));
      await application.commands.set(body as unknown as Body);
    } else {
      for (const guild of guilds)
        await application.commands.set(toDiscordCommands() as unknown as Body, guild);
    }
  }

  async stop(): Promise<void> {
    await this.endpoint?.close();
    this.unsubscribe?.();
    for (const entry of this.tracked.values()) clearTimeout(entry.timer);
    await this.client.destroy();
  }

  private originOf(interaction: Interaction): Origin {
    return {
      user: interaction.user,
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

  private async onSlash(i: ChatInputCommandInteraction, ctx: CommandContext): Promise<void> {
    await i.deferReply({ ...onlyFor(ctx.settings.private === true) });
    const c = this.options.commands;
    const o = i.options;
    const seed = o.getInteger('seed') ?? undefined;
    let reply: Reply;
    switch (i.commandName) {
      case 'imagine':
        reply = await c.imagine(ctx, {
          prompt: o.getString('prompt', true),
          aspect: o.getString('aspect') ?? undefined,
          size: o.getInteger('size') ?? undefined,
          steps: o.getInteger('steps') ?? undefined,
          cfg: o.getNumber('cfg') ?? undefined,
          seed,
        });
        break;
      case 'edit':
        reply = await c.edit(ctx, {
          image: (await this.image(o.getAttachment('image', true))) as InputImage,
          instruction: o.getString('instruction', true),
          type: o.getString('type') ?? undefined,
          reference: await this.image(o.getAttachment('reference')),
          seed,
        });
        break;
      case 'describe':
        reply = await c.describe(ctx, {
          image: (await this.image(o.getAttachment('image', true))) as InputImage,
          question: o.getString('question') ?? undefined,
        });
        break;
      case 'retouch':
        reply = await c.retouch(ctx, {
          image: (await this.image(o.getAttachment('image', true))) as InputImage,
          prompt: o.getString('prompt', true),
          boxes: o.getString('boxes') ?? undefined,
          mask: await this.image(o.getAttachment('mask')),
          seed,
        });
        break;
      case 'outpaint': {
        const direction = o.getString('direction') ?? undefined;
        reply = await c.outpaint(ctx, {
          image: (await this.image(o.getAttachment('image', true))) as InputImage,
          prompt: o.getString('prompt', true),
          zoom: o.getNumber('zoom') ?? undefined,
          direction: direction as 'left' | 'right' | 'up' | 'down' | undefined,
          seed,
        });
        break;
      }
      case 'queue':
        reply = await c.queueStatus(ctx);
        break;
      case 'cancel':
        reply = await c.cancel(ctx, o.getString('job') ?? undefined);
        break;
      case 'settings':
        reply = await c.settings(ctx, {
          size: o.getInteger('size') ?? undefined,
          aspect: o.getString('aspect') ?? undefined,
          steps: o.getInteger('steps') ?? undefined,
          language: (o.getString('language') ?? undefined) as Locale | undefined,
          private: o.getBoolean('private') ?? undefined,
          previews: o.getBoolean('previews') ?? undefined,
        });
        break;
      default:
        reply = await c.help(ctx);
    }
    await this.respond(i, ctx.locale, reply);
  }

  private async onButton(i: ButtonInteraction, ctx: CommandContext): Promise<void> {
    const parsed = parseButtonId(i.customId);
    if (parsed?.action === 'edit') {
      await i.showModal(this.editModal(`editmodal:${parsed.jobId}`, ctx.locale));
      return;
    }
    // Re-roll, variations, describe and zoom-out start a new job: a new message. Cancel and delete act in place.
    const inPlace = parsed?.action === 'cancel' || parsed?.action === 'delete';
    if (inPlace) await i.deferReply({ flags: MessageFlags.Ephemeral });
    else await i.deferReply();
    const reply = await this.options.commands.pressButton(ctx, i.customId);
    if (reply.deleteSource) {
      await i.message.delete().catch(() => undefined);
      await i.deleteReply().catch(() => undefined);
      return;
    }
    await this.respond(i, ctx.locale, reply);
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
    await i.deferReply({ ...onlyFor(ctx.settings.private === true) });
    const [kind, id, index] = i.customId.split(':');
    const c = this.options.commands;
    let reply: Reply;
    if (kind === 'editmodal' && id) {
      reply = await c.editResult(ctx, id, i.fields.getTextInputValue('instruction'));
    } else if ((kind === 'menuedit' || kind === 'menuretouch') && id) {
      const message = await this.fetchMessage(i.channelId, id);
      const image = await this.image(imagesOf(message)[Number(index ?? 0)]);
      if (!image) reply = { text: [{ key: 'errors.discord.no_image' }] };
      else if (kind === 'menuedit')
        reply = await c.edit(ctx, { image, instruction: i.fields.getTextInputValue('instruction') });
      else
        reply = await c.retouch(ctx, {
          image,
          prompt: i.fields.getTextInputValue('prompt'),
          boxes: i.fields.getTextInputValue('boxes'),
        });
    } else reply = await c.help(ctx);
    await this.respond(i, ctx.locale, reply);
  }

  /** "Describe image", "Edit image…", "Retouch…": at once with one image, after a pick with several. */
  private async onMenu(i: MessageContextMenuCommandInteraction, ctx: CommandContext): Promise<void> {
    const actions: Record<string, MenuAction> = {
      [t('en', 'menu.describe_image.name')]: 'describe',
      [t('en', 'menu.edit_image.name')]: 'edit',
      [t('en', 'menu.retouch_image.name')]: 'retouch',
    };
    const action = actions[i.commandName] ?? 'describe';
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
    await i.deferReply({ ...onlyFor(ctx.settings.private === true) });
    const image = await this.image(attachment);
    const reply = image
      ? await this.options.commands.describe(ctx, { image })
      : { text: [{ key: 'errors.discord.no_image' }] };
    await this.respond(i, ctx.locale, reply);
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
    if (message.author.id !== i.user.id) {
      await i.reply({ content: t(ctx.locale, 'errors.button.owner_only'), flags: MessageFlags.Ephemeral });
      return;
    }
    await i.deferReply({ ...onlyFor(ctx.settings.private === true) });
    // One pick per question: the select goes away so a second click cannot start a second job.
    await i.message.edit({ components: [] }).catch(() => undefined);
    const { images, text } = await this.mentionSource(message);
    const image = await this.image(images[index]);
    const reply = image
      ? await this.options.commands.replyToImage(ctx, { image, text })
      : { text: [{ key: 'errors.discord.no_image' }] };
    await this.respond(i, ctx.locale, reply);
  }

  private async fetchMessage(channelId: string | null, messageId: string): Promise<Message | undefined> {
    if (!channelId) return undefined;
    const channel =
      this.client.channels.cache.get(channelId) ??
      (await this.client.channels.fetch(channelId).catch(() => null));
    if (!channel?.isTextBased()) return undefined;
    return channel.messages.fetch(messageId).catch(() => undefined);
  }

  /** The images a mention is about (those of the message it replies to, else its own) and its text. */
  private async mentionSource(message: Message): Promise<{ images: Attachment[]; text: string }> {
    const me = this.client.user?.id ?? '';
    const text = message.content.replace(new RegExp(`<@!?${me}>`, 'g'), '').trim();
    const referenced = message.reference?.messageId ? await message.fetchReference() : undefined;
    const theirs = imagesOf(referenced);
    return { images: theirs.length > 0 ? theirs : imagesOf(message), text };
  }

  /** Mentions that reply to a message with an image: an edit, or a describe when it is a question. */
  private async onMessage(message: Message): Promise<void> {
    const me = this.client.user;
    if (!me || message.author?.bot || !message.mentions?.users?.has(me.id)) return;
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
      await message.reply(t(ctx.locale, 'errors.discord.dms_disabled'));
      return;
    }
    let reply: Reply;
    try {
      const { images, text } = await this.mentionSource(message);
      if (images.length > 1) {
        await message.reply(pickerMessage(images, 'mention', message.id, ctx.locale));
        return;
      }
      const image = await this.image(images[0]);
      reply = image
        ? await this.options.commands.replyToImage(ctx, { image, text })
        : await this.options.commands.imagine(ctx, { prompt: text });
    } catch (error) {
      reply = this.errorReply(error);
    }
    const payload = toDiscordMessage(await fitReply(reply, DEFAULT_UPLOAD_LIMIT), ctx.locale);
    const sent = await message.reply(payload as Parameters<Message['reply']>[0]);
    if (reply.jobId && !reply.final)
      this.tracked.set(reply.jobId, {
        locale: ctx.locale,
        uploadLimit: DEFAULT_UPLOAD_LIMIT,
        at: Date.now(),
        message: sent,
        lastEdit: Date.now(),
      });
  }

  private async respond(i: RepliableInteraction, locale: Locale, reply: Reply): Promise<void> {
    const uploadLimit = i.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
    // Tracked before the first edit is sent: a fast job's updates may arrive while it is in flight.
    const entry: Tracked | undefined =
      reply.jobId && !reply.final
        ? {
            locale,
            uploadLimit,
            interaction: i,
            at: Date.now(),
            channelId: i.channelId ?? undefined,
            lastEdit: Date.now(),
            lastSignature: signature(reply, locale),
          }
        : undefined;
    if (entry && reply.jobId) this.tracked.set(reply.jobId, entry);
    const sent = fitReply(reply, uploadLimit).then((fitted) => i.editReply(toDiscordMessage(fitted, locale)));
    if (!entry) {
      await sent;
      return;
    }
    entry.initial = sent.catch(() => undefined);
    entry.message = await sent;
  }

  /** Job updates: edit the job's message at most every editIntervalMs, skipping edits that change nothing. */
  private async onUpdate(jobId: string, reply: Reply, meta: Record<string, unknown>): Promise<void> {
    const entry = this.tracked.get(jobId);
    if (!entry) {
      // A job from before a restart: its owner still gets the ending in the channel.
      const channelId = typeof meta.discordChannelId === 'string' ? meta.discordChannelId : undefined;
      if (reply.final && channelId && this.client.isReady()) {
        const channel = await this.client.channels.fetch(channelId).catch(() => null);
        const locale = (meta.locale as Locale | undefined) ?? 'en';
        const limit =
          typeof meta.discordUploadLimit === 'number' ? meta.discordUploadLimit : DEFAULT_UPLOAD_LIMIT;
        if (channel?.isSendable())
          await channel.send(
            toDiscordMessage(await fitReply(reply, limit), locale) as Parameters<typeof channel.send>[0],
          );
      }
      return;
    }
    const sig = signature(reply, entry.locale);
    if (sig === entry.lastSignature) return;
    const wait = entry.lastEdit + this.editIntervalMs - Date.now();
    if (!reply.final && wait > 0) {
      entry.pending = reply;
      entry.timer ??= setTimeout(() => {
        entry.timer = undefined;
        const pending = entry.pending;
        entry.pending = undefined;
        if (pending) void this.onUpdate(jobId, pending, meta);
      }, wait);
      return;
    }
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.pending = undefined;
    entry.lastSignature = sig;
    entry.lastEdit = Date.now();
    if (reply.final) this.tracked.delete(jobId);
    await this.edit(entry, reply);
  }

  /**
   * Sends in call order: images are fitted concurrently, but a slow re-encode of a preview must never land after
   * the final result.
   */
  private edit(entry: Tracked, reply: Reply): Promise<void> {
    const fitted = fitReply(reply, entry.uploadLimit);
    const previous = entry.sending ?? entry.initial ?? Promise.resolve();
    const send = previous.then(async () => {
      const payload = toDiscordMessage(await fitted, entry.locale);
      if (entry.interaction && Date.now() - entry.at < TOKEN_LIFETIME_MS) {
        await entry.interaction.editReply(payload);
        return;
      }
      // The interaction token is expiring: the result continues as an ordinary channel message.
      if (entry.message && reply.final) {
        await entry.message.reply(payload as Parameters<Message['reply']>[0]);
      } else if (entry.message) {
        await entry.message.edit(payload as Parameters<Message['edit']>[0]);
      }
    });
    entry.sending = send.catch(() => undefined);
    return send;
  }

  private errorReply(error: unknown): Reply {
    if (error instanceof AttachmentRefused) return { text: [{ key: error.key, params: error.params }] };
    this.options.log.warn({ err: error }, 'discord request failed');
    return { text: [{ key: 'errors.generic' }] };
  }

  /** Any failure reaches the user as one localized message; the bot keeps running. */
  private async fail(interaction: Interaction, error: unknown): Promise<void> {
    const reply = this.errorReply(error);
    if (!interaction.isRepliable()) return;
    const locale = this.context(this.originOf(interaction)).locale;
    const payload = toDiscordMessage(reply, locale);
    try {
      if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
      else await interaction.reply({ content: payload.content, flags: MessageFlags.Ephemeral });
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

/** An answer only its user sees (Discord's ephemeral flag), when asked. */
function onlyFor(privately: boolean): { flags?: MessageFlags.Ephemeral } {
  return privately ? { flags: MessageFlags.Ephemeral } : {};
}
