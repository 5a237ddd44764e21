// The Discord adapter: interactions and mentions in, commands called, replies rendered and kept up to date.
// Every interaction is acknowledged first (Discord's 3-second rule), whatever the queue holds.
import {
  ActionRowBuilder,
  type Attachment,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  GatewayIntentBits,
  type Interaction,
  type Message,
  type MessageContextMenuCommandInteraction,
  ModalBuilder,
  type ModalSubmitInteraction,
  Partials,
  type RepliableInteraction,
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
import { AttachmentRefused, DISCORD_CDN_HOSTS, download, isImageAttachment } from './attachments.js';
import { signature, toDiscordMessage } from './render.js';

export interface DiscordOptions {
  config: Config;
  commands: Commands;
  log: Logger;
  /** Tests point discord.js at a local fake; production leaves these out. */
  rest?: { api: string; cdn?: string };
  cdnHosts?: readonly string[];
  /** Minimum time between progress edits of one message. */
  editIntervalMs?: number;
}

/** Interaction tokens live 15 minutes; past ~14 the adapter posts ordinary channel messages instead. */
const TOKEN_LIFETIME_MS = 14 * 60_000;

interface Tracked {
  locale: Locale;
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
}

export class DiscordBot {
  readonly client: Client;
  private readonly tracked = new Map<string, Tracked>();
  private unsubscribe?: () => void;
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
    log.info({ user: client.user?.tag }, 'discord connected');
  }

  /** Registers the commands per guild in DISCORD_GUILD_IDS (instant), else globally. */
  private async register(): Promise<void> {
    const application = this.client.application;
    if (!application) return;
    const body = toDiscordCommands() as unknown as Parameters<typeof application.commands.set>[0];
    const guilds = this.options.config.discord.guildIds;
    if (guilds.length === 0) await application.commands.set(body);
    else for (const guild of guilds) await application.commands.set(body, guild);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const entry of this.tracked.values()) clearTimeout(entry.timer);
    await this.client.destroy();
  }

  private context(
    user: { id: string },
    guildId: string | null,
    locale: string | null,
    channelId: string | null,
  ): CommandContext {
    return this.options.commands.context({
      user: { platform: 'discord', userId: user.id },
      scope: guildId ? `guild:${guildId}` : `dm:${user.id}`,
      language: locale,
      meta: { discordChannelId: channelId ?? undefined },
    });
  }

  private allowed(guildId: string | null): boolean {
    const list = this.options.config.discord.guildIds;
    return guildId === null || list.length === 0 || list.includes(guildId);
  }

  private async image(attachment: Attachment | null | undefined): Promise<InputImage | undefined> {
    if (!attachment) return undefined;
    return download(attachment, { hosts: this.hosts, maxBytes: this.options.config.limits.maxInputBytes });
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (!interaction.isRepliable()) return;
    const ctx = this.context(
      interaction.user,
      interaction.guildId,
      interaction.locale,
      interaction.channelId,
    );
    if (!this.allowed(interaction.guildId)) {
      await interaction.reply({
        content: t(ctx.locale, 'errors.discord.guild_not_allowed'),
        ephemeral: true,
      });
      return;
    }
    if (interaction.isButton()) return this.onButton(interaction, ctx);
    if (interaction.isModalSubmit()) return this.onModal(interaction, ctx);
    if (interaction.isMessageContextMenuCommand()) return this.onMenu(interaction, ctx);
    if (interaction.isChatInputCommand()) return this.onSlash(interaction, ctx);
  }

  private async onSlash(i: ChatInputCommandInteraction, ctx: CommandContext): Promise<void> {
    await i.deferReply({ ephemeral: ctx.settings.private === true });
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
      await i.showModal(this.editModal(parsed.jobId, ctx.locale));
      return;
    }
    // Re-roll, variations, describe and zoom-out start a new job: a new message. Cancel and delete act in place.
    const inPlace = parsed?.action === 'cancel' || parsed?.action === 'delete';
    if (inPlace) await i.deferReply({ ephemeral: true });
    else await i.deferReply();
    const reply = await this.options.commands.pressButton(ctx, i.customId);
    if (reply.deleteSource) {
      await i.message.delete().catch(() => undefined);
      await i.deleteReply().catch(() => undefined);
      return;
    }
    await this.respond(i, ctx.locale, reply);
  }

  private editModal(jobId: string, locale: Locale): ModalBuilder {
    return new ModalBuilder()
      .setCustomId(`editmodal:${jobId}`)
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

  private async onModal(i: ModalSubmitInteraction, ctx: CommandContext): Promise<void> {
    await i.deferReply();
    const [kind, id] = i.customId.split(':');
    const instruction = i.fields.getTextInputValue('instruction');
    let reply: Reply;
    if (kind === 'editmodal' && id) reply = await this.options.commands.editResult(ctx, id, instruction);
    else if (kind === 'menuedit' && id) {
      const message = await i.channel?.messages.fetch(id);
      const image = await this.image(message?.attachments.find((a) => isImageAttachment(a)));
      reply = image
        ? await this.options.commands.edit(ctx, { image, instruction })
        : { text: [{ key: 'errors.discord.no_image' }] };
    } else reply = await this.options.commands.help(ctx);
    await this.respond(i, ctx.locale, reply);
  }

  private async onMenu(i: MessageContextMenuCommandInteraction, ctx: CommandContext): Promise<void> {
    const images = i.targetMessage.attachments.filter((a) => isImageAttachment(a));
    const name = i.commandName;
    if (name === t('en', 'menu.edit_image.name') && images.size > 0) {
      await i.showModal(
        this.editModal(i.targetMessage.id, ctx.locale).setCustomId(`menuedit:${i.targetMessage.id}`),
      );
      return;
    }
    await i.deferReply();
    // With several images the first is used; its name is echoed so the user knows which.
    const first = images.first();
    if (!first) {
      await this.respond(i, ctx.locale, { text: [{ key: 'errors.discord.no_image' }] });
      return;
    }
    const image = (await this.image(first)) as InputImage;
    const reply =
      name === t('en', 'menu.describe_image.name')
        ? await this.options.commands.describe(ctx, { image })
        : { text: [{ key: 'discord.retouch_hint' }] };
    await this.respond(i, ctx.locale, reply);
  }

  /** Mentions that reply to a message with an image: an edit, or a describe when it is a question. */
  private async onMessage(message: Message): Promise<void> {
    const me = this.client.user;
    if (!me || message.author?.bot || !message.mentions?.users?.has(me.id)) return;
    if (!this.allowed(message.guildId)) return;
    const ctx = this.context(
      message.author,
      message.guildId,
      message.guild?.preferredLocale ?? null,
      message.channelId,
    );
    const text = message.content.replace(new RegExp(`<@!?${me.id}>`, 'g'), '').trim();
    let reply: Reply;
    try {
      const referenced = message.reference?.messageId ? await message.fetchReference() : undefined;
      const attachment =
        referenced?.attachments.find((a) => isImageAttachment(a)) ??
        message.attachments.find((a) => isImageAttachment(a));
      const image = await this.image(attachment);
      reply = image
        ? await this.options.commands.replyToImage(ctx, { image, text })
        : await this.options.commands.imagine(ctx, { prompt: text });
    } catch (error) {
      reply = this.errorReply(error);
    }
    const sent = await message.reply(toDiscordMessage(reply, ctx.locale) as Parameters<Message['reply']>[0]);
    if (reply.jobId && !reply.final)
      this.tracked.set(reply.jobId, {
        locale: ctx.locale,
        at: Date.now(),
        message: sent,
        lastEdit: Date.now(),
      });
  }

  private async respond(i: RepliableInteraction, locale: Locale, reply: Reply): Promise<void> {
    // Tracked before the first edit is sent: a fast job's updates may arrive while it is in flight.
    const entry: Tracked | undefined =
      reply.jobId && !reply.final
        ? {
            locale,
            interaction: i,
            at: Date.now(),
            channelId: i.channelId ?? undefined,
            lastEdit: Date.now(),
            lastSignature: signature(reply, locale),
          }
        : undefined;
    if (entry && reply.jobId) this.tracked.set(reply.jobId, entry);
    const sent = i.editReply(toDiscordMessage(reply, locale));
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
        if (channel?.isSendable())
          await channel.send(toDiscordMessage(reply, locale) as Parameters<typeof channel.send>[0]);
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

  private async edit(entry: Tracked, reply: Reply): Promise<void> {
    await entry.initial;
    const payload = toDiscordMessage(reply, entry.locale);
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
    const locale = this.context(
      interaction.user,
      interaction.guildId,
      interaction.locale,
      interaction.channelId,
    ).locale;
    const payload = toDiscordMessage(reply, locale);
    try {
      if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
      else await interaction.reply({ content: payload.content, ephemeral: true });
    } catch (second) {
      this.options.log.warn({ err: second }, 'could not report a discord error');
    }
  }
}
