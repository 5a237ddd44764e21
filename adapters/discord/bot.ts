// The Discord adapter: interactions and mentions in, commands called, replies rendered and kept up to date.
// Every interaction is acknowledged first (Discord's 3-second rule), whatever the queue holds.
import {
  type Attachment,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  Client,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  Options,
  Partials,
} from 'discord.js';
import {
  askKindOf,
  type CommandContext,
  type Commands,
  type InputImage,
  optionsOf,
  parseButtonId,
  type Reply,
  textReply,
  UserInputError,
} from '../../commands/index.js';
import type { Config } from '../../src/config/index.js';
import { t } from '../../src/i18n.js';
import type { DeliveryLog } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import { RecentIds } from '../../src/recent-ids.js';
import { DoublePresses } from '../shared/double-press.js';
import { IN_PLACE_ACTIONS } from '../shared/in-place.js';
import type { Delivery } from '../shared/job-status.js';
import { acknowledge, alreadyAcknowledged } from './acknowledgement.js';
import { answer, deleteEphemeral } from './answer.js';
import { DISCORD_CDN_HOSTS, download } from './attachments.js';
import { onAutocomplete } from './autocomplete.js';
import { guardGateway } from './gateway-guard.js';
import { endGatewayRetries, logIn } from './gateway-login.js';
import { DiscordReach, type ReachTimes, untilStopped } from './gateway-reach.js';
import { onRemovedFromGuild } from './guild-removal.js';
import {
  type InteractionsEndpoint,
  interactionAction,
  startInteractionsEndpoint,
} from './interactions-endpoint.js';
import { DiscordJobMessages } from './job-messages.js';
import { LaterParts } from './list-parts.js';
import { onMessage, roleIdsOf } from './mentions.js';
import { MenuTargets } from './menu-targets.js';
import { onMenu, onModal, onPick } from './message-menus.js';
import { editModal, LINE_MODALS, lineModal } from './modals.js';
import { shownOptionNames } from './option-names.js';
import { imagesOf } from './picker.js';
import { postingOnce } from './post-retries.js';
import { DEFAULT_UPLOAD_LIMIT, NO_MENTIONS, toDiscordMessage } from './render.js';
import type { DiscordRuntime, Origin } from './runtime.js';
import { answerInPlace } from './source-replacement.js';

export interface DiscordOptions {
  config: Config;
  commands: Commands;
  log: Logger;
  /** Where status messages are remembered and undelivered endings marked (the job store's). */
  deliveries: DeliveryLog;
  /** Tests and the soak count how each job's ending reached its owner. */
  onDelivery?: (jobId: string, delivery: Delivery) => void;
  /** The queue's `failureTold` (JobQueueApi): a failed ending reached its owner. */
  failureTold?: (jobId: string) => void;
  /**
   * With a shared queue every front-end's gateway session receives every interaction and mention: only the one
   * that claims it (`JobSystem.claim`) handles it. Absent in one process.
   */
  claim?: (key: string, ttlMs: number) => Promise<boolean>;
  /** Tests point discord.js at a local fake; production leaves these out. */
  rest?: { api: string; cdn?: string };
  cdnHosts?: readonly string[];
  /** Minimum time between progress edits of one message. */
  editIntervalMs?: number;
  /** A public job that took longer ends with a new message pinging its owner (default a minute). */
  notifyAfterMs?: number;
  /** Tests listen on an ephemeral port (0) instead of DISCORD_INTERACTIONS_PORT. */
  interactionsPort?: number;
  /** The clock the queue stamps jobs with (`JobQueueApi.now`; default this machine's). */
  now?: () => number;
  /** Tests shorten how long the start waits for Discord's first answer and the login, and the first retry's wait. */
  reach?: ReachTimes;
}

/** Longer than an interaction's token lives (15 min), and than a resumed gateway session replays. */
const CLAIM_TTL_MS = 20 * 60_000;

export class DiscordBot implements DiscordRuntime {
  readonly client: Client;
  readonly jobMessages: DiscordJobMessages;
  readonly menuTargets = new MenuTargets();
  readonly laterParts = new LaterParts();
  /** Interaction and message ids already handled: Discord (or a replayed gateway) may deliver one twice. */
  private readonly seen = new RecentIds(5000);
  private readonly presses = new DoublePresses();
  private unsubscribe?: () => void;
  private endpoint?: InteractionsEndpoint;
  private readonly hosts: readonly string[];
  /** Aborted by stop: a login still waiting for Discord to answer gives up. */
  private readonly stopping = new AbortController();
  /** Reaching Discord for the first login; its `reason()` is the /readyz line until then. */
  reach?: DiscordReach;

  get commands(): Commands {
    return this.options.commands;
  }

  get log(): Logger {
    return this.options.log;
  }

  constructor(private readonly options: DiscordOptions) {
    this.hosts = options.cdnHosts ?? DISCORD_CDN_HOSTS;
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
      partials: [Partials.Channel, Partials.Message],
      // Nothing the bot sends pings anyone unless a message asks for it (only the requester, on a fallback reply).
      allowedMentions: NO_MENTIONS,
      // discord.js keeps every user and member it ever saw: a bot serving a community for weeks would hold them all
      // (bench/memory-soak.ts). The bot reads a member only from the event at hand, and its own (members.me).
      makeCache: Options.cacheWithLimits({
        ...Options.DefaultMakeCacheSettings,
        UserManager: { maxSize: 1000, keepOverLimit: (user) => user.id === user.client.user.id },
        GuildMemberManager: { maxSize: 200, keepOverLimit: (member) => member.id === member.client.user.id },
      }),
      rest: { ...options.rest, makeRequest: untilStopped(postingOnce(), this.stopping.signal) },
    });
    this.jobMessages = new DiscordJobMessages(this.client, {
      deliveries: options.deliveries,
      log: options.log,
      onDelivery: options.onDelivery,
      failureTold: options.failureTold,
      editIntervalMs: options.editIntervalMs ?? 1500,
      notifyAfterMs: options.notifyAfterMs ?? options.config.discord.notifyAfterMs,
      now: options.now,
    });
  }

  async start(token: string): Promise<void> {
    try {
      await this.connect(token);
    } catch (error) {
      // A bot that failed to start must not stay logged in, listening or subscribed behind the caller's back.
      await this.stop().catch((second: unknown) =>
        this.options.log.warn({ err: second }, 'discord: cleaning up a failed start failed'),
      );
      throw error;
    }
  }

  private async connect(token: string): Promise<void> {
    const { client, log } = { client: this.client, log: this.options.log };
    // Before the login, which may take long: the port is taken over from its reservation at once (no other program
    // takes it meanwhile), and an interaction is answered 503 "starting" until the bot can handle it.
    this.endpoint = await this.listen();
    client.on('interactionCreate', (interaction) => {
      if (!this.seen.add(`i:${interaction.id}`)) return;
      // Before the claim: the modal or pick that follows a menu is an interaction of its own, which another
      // front-end may win, and only the menu's own interaction carries the target's images (no Message Content).
      if (interaction.isMessageContextMenuCommand())
        this.menuTargets.remember(interaction.targetMessage.id, imagesOf(interaction.targetMessage));
      this.once(interaction.id, () => this.onInteraction(interaction))
        .catch((error: unknown) => this.fail(interaction, error))
        .catch((error: unknown) => log.warn({ err: error }, 'discord interaction failed'));
    });
    client.on('messageCreate', (message) => {
      if (!message?.id || !this.seen.add(`m:${message.id}`)) return;
      this.once(message.id, () => onMessage(this, message)).catch((error: unknown) =>
        log.warn({ err: error }, 'discord message handling failed'),
      );
    });
    guardGateway(client, (event) => log.warn({ event }, 'discord gateway event without a user dropped'));
    // Removed from a server (an outage is guildUnavailable instead, and changes nothing): its jobs that could reach
    // no one are withdrawn. Taken back into it, its jobs are its channels' again.
    client.on('guildDelete', (guild) => {
      onRemovedFromGuild(this, guild, { shared: this.options.claim !== undefined }).catch((error: unknown) =>
        log.warn({ err: error, guildId: guild.id }, 'discord: withdrawing a removed server’s jobs failed'),
      );
    });
    client.on('guildCreate', (guild) => this.jobMessages.joinedGuild(guild.id));
    client.on('error', (error) => log.warn({ err: error }, 'discord client error'));
    client.on('shardError', (error) => log.warn({ err: error }, 'discord gateway error'));
    // Returned: a shutdown waits for what is still being delivered (the bot is restarting, a result) before stop.
    this.unsubscribe = this.options.commands.subscribe(
      ({ job, reply }) =>
        this.jobMessages
          .update(job, reply)
          .catch((error: unknown) => log.warn({ err: error, jobId: job.id }, 'discord update failed')),
      'discord',
    );
    const api = new URL(this.options.rest?.api ?? 'https://discord.com/api').host;
    this.reach = new DiscordReach(client.rest, token, api, this.stopping.signal);
    const { config, commands } = this.options;
    const open = () => this.endpoint?.open();
    const stopped = this.stopping.signal;
    const login = () => logIn(token, { client, config, commands, log, open, stopped });
    await this.reach.connect(login, log, this.options.reach);
  }

  /** The HTTP interactions endpoint, when that mode is on; it hands nothing on until opened. */
  private async listen(): Promise<InteractionsEndpoint | undefined> {
    const { config, log } = this.options;
    const http = config.discord.interactions;
    if (!http) return undefined;
    const action = interactionAction(this.client);
    const endpoint = await startInteractionsEndpoint({
      publicKey: http.publicKey,
      host: http.host,
      port: this.options.interactionsPort ?? http.port,
      defaultLocale: config.defaultLocale,
      onInteraction: (payload) => {
        try {
          action.handle(payload);
        } catch (error) {
          log.warn({ err: error }, 'discord http interaction could not be read');
        }
      },
      onError: (error) => log.warn({ err: error }, 'discord interactions endpoint error'),
      warn: (fields, message) => log.warn(fields, message),
    });
    log.info({ url: endpoint.url }, 'discord interactions endpoint listening');
    return endpoint;
  }

  /**
   * Runs `handle` in the one front-end that claims the event (snowflakes are unique across interactions and
   * messages). The others do nothing at all: an acknowledgement of theirs would be refused (40060) after their
   * job was already submitted, a job with no status message to report to. A claim that failed answers nothing
   * either: another front-end may hold the event, and an error reply of this one would take its acknowledgement.
   */
  private once(id: string, handle: () => Promise<void>): Promise<void> {
    const claim = this.options.claim;
    if (!claim) return handle();
    return claim(`discord:claim:${id}`, CLAIM_TTL_MS).then(
      (mine) => (mine ? handle() : undefined),
      (error: unknown) => this.options.log.warn({ err: error, id }, 'discord event could not be claimed'),
    );
  }

  /** The local URL of the HTTP interactions endpoint, when that mode is on. */
  get interactionsUrl(): string | undefined {
    return this.endpoint?.url;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.endpoint?.close();
    this.unsubscribe?.();
    this.jobMessages.stop();
    if (!endGatewayRetries(this.client))
      this.options.log.warn(
        "discord: this discord.js keeps the gateway's session elsewhere; a stop during an outage may wait on its retries",
      );
    await this.client.destroy();
    // Again: a retry's own destroy cleared the session before its pause.
    endGatewayRetries(this.client);
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

  context(origin: Origin): CommandContext {
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

  allowed(guildId: string | null): boolean {
    const list = this.options.config.discord.guildIds;
    return guildId === null || list.length === 0 || list.includes(guildId);
  }

  dmsRefused(guildId: string | null): boolean {
    return guildId === null && !this.options.config.discord.allowDms;
  }

  async image(attachment: Attachment | null | undefined): Promise<InputImage | undefined> {
    if (!attachment) return undefined;
    return download(attachment, { hosts: this.hosts, maxBytes: this.options.config.limits.maxInputBytes });
  }

  private refusalOf(interaction: Interaction): string | undefined {
    if (!this.allowed(interaction.guildId)) return 'errors.discord.guild_not_allowed';
    // Buttons (and the forms they open) exist only on results the bot itself sent to DMs (private jobs, results
    // whose channel refused it): they keep working with DMs off; commands typed in a DM do not.
    const onOurMessage = interaction.isMessageComponent() || interaction.isModalSubmit();
    return this.dmsRefused(interaction.guildId) && !onOurMessage ? 'errors.discord.dms_disabled' : undefined;
  }

  private async onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return onAutocomplete(this, interaction, this.originOf(interaction));
    if (!interaction.isRepliable()) return;
    const ctx = this.context(this.originOf(interaction));
    const refusal = this.refusalOf(interaction);
    if (refusal) {
      await interaction.reply({ content: t(ctx.locale, refusal), flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.isButton()) return this.onButton(interaction, ctx);
    if (interaction.isStringSelectMenu()) return onPick(this, interaction, ctx);
    if (interaction.isModalSubmit()) return onModal(this, interaction, ctx);
    if (interaction.isMessageContextMenuCommand()) return onMenu(this, interaction, ctx);
    if (interaction.isChatInputCommand()) return this.onSlash(interaction, ctx);
  }

  /** A slash command: its options collected by iterating the command's spec, then run by name. */
  private async onSlash(i: ChatInputCommandInteraction, ctx: CommandContext): Promise<void> {
    const commands = this.options.commands;
    const command = commands.registry.find(i.commandName);
    const work = async (): Promise<Reply> => {
      // Asked before the attachments are downloaded: nothing of a blocked user's is fetched.
      const refusal = commands.refusal(ctx);
      if (refusal) return refusal;
      if (!command) return commands.run(ctx, { name: 'help' });
      const options: Record<string, unknown> = {};
      const images: Record<string, InputImage | undefined> = {};
      for (const option of optionsOf(command.spec)) {
        // An attachment missing from `resolved` (or never given) is left out: the spec names the refusal.
        if (option.type === 'attachment')
          images[option.name] = await this.image(i.options.getAttachment(option.name));
        else options[option.name] = i.options.get(option.name)?.value;
        if (option.type === 'user') this.noteNamedAdmin(ctx, i, option.name);
      }
      // A refusal names an option as this user's client showed it (its locale's name for it).
      const labels = shownOptionNames(command.spec, i.locale);
      return commands.run(ctx, { name: command.spec.name, options, images, labels });
    };
    await answer(this, i, ctx, work, command?.spec.personal === true || ctx.settings.private === true);
  }

  /** A picked member holding an admin role here is an admin too, as the asker would be (`context`). */
  private noteNamedAdmin(ctx: CommandContext, i: ChatInputCommandInteraction, option: string): void {
    const member = i.options.getMember(option);
    const user = i.options.getUser(option);
    const adminRoles = this.options.config.discord.adminRoleIds;
    if (user && i.guildId !== null && roleIdsOf(member).some((role) => adminRoles.includes(role)))
      ctx.namedAdmins = [...(ctx.namedAdmins ?? []), user.id];
  }

  private async onButton(i: ButtonInteraction, ctx: CommandContext): Promise<void> {
    const parsed = parseButtonId(i.customId);
    if (parsed?.action === 'edit') {
      await i.showModal(editModal(`editmodal:${parsed.jobId}`, ctx.locale));
      return;
    }
    const lineModalId = parsed && LINE_MODALS[askKindOf(parsed.action) ?? 'edit_instruction'];
    if (parsed && lineModalId) {
      // A modal must be the first answer: the line is read from the store at once, well inside the 3 s.
      const asked = await this.options.commands.pressButton(ctx, i.customId);
      if (asked.ask?.value !== undefined) {
        await i.showModal(
          lineModal(`${lineModalId}:${parsed.jobId}`, ctx.locale, asked.ask, asked.ask.value),
        );
        return;
      }
      await answer(this, i, ctx, async () => asked, true);
      return;
    }
    // Re-roll, variations, describe and zoom-out start a new job: a new message. Cancel and delete act in place,
    // and their answer is for the presser only.
    const inPlace =
      parsed?.action === 'cancel' || parsed?.action === 'queue_cancel' || parsed?.action === 'delete';
    // A double click on a button that starts a job: the second press starts nothing (a second identical job) and
    // is acknowledged without a trace. Cancel and delete change nothing twice, and may be pressed again at once.
    if (this.presses.repeated(i.user.id, i.message.id, i.customId)) {
      await acknowledge(i, 'deferred', () => i.deferUpdate());
      return;
    }
    const press = () => this.options.commands.pressButton(ctx, i.customId);
    if (parsed?.action === 'delete' && i.message.flags.has(MessageFlags.Ephemeral))
      return deleteEphemeral(this, i, ctx, press);
    if (parsed && IN_PLACE_ACTIONS.has(parsed.action)) return answerInPlace(this, i, ctx, press);
    await answer(this, i, ctx, press, inPlace);
  }

  async fetchMessage(channelId: string | null, messageId: string): Promise<Message | undefined> {
    if (!channelId) return undefined;
    const channel =
      this.client.channels.cache.get(channelId) ??
      (await this.client.channels.fetch(channelId).catch(() => null));
    if (!channel?.isTextBased()) return undefined;
    return channel.messages.fetch(messageId).catch(() => undefined);
  }

  errorReply(error: unknown): Reply {
    if (error instanceof UserInputError) return textReply(error.key, error.params);
    this.options.log.warn({ err: error }, 'discord request failed');
    return textReply('errors.generic');
  }

  /** Any failure reaches the user as one localized message, only them; the bot keeps running. */
  private async fail(interaction: Interaction, error: unknown): Promise<void> {
    // Its answer was lost on the way back, but Discord shows it: there is nothing to correct.
    if (alreadyAcknowledged(error)) {
      this.options.log.debug('discord: an answer was taken though its reply was lost (40060)');
      return;
    }
    const reply = this.errorReply(error);
    // An autocomplete that could not answer (errorReply has logged why): the user types on without suggestions.
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
      if (alreadyAcknowledged(second)) return;
      this.options.log.warn({ err: second }, 'could not report a discord error');
    }
  }
}
