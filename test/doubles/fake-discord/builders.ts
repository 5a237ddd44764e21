import {
  type APIApplicationCommandInteractionDataOption,
  type APIAttachment,
  type APIChannel,
  type APIChatInputApplicationCommandInteraction,
  type APIGuildTextChannel,
  type APIInteraction,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageApplicationCommandInteraction,
  type APIMessageComponentButtonInteraction,
  type APIMessageComponentSelectMenuInteraction,
  type APIMessageStringSelectInteractionData,
  type APIModalSubmitInteraction,
  type APIRole,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ChannelType,
  ComponentType,
  type GatewayGuildCreateDispatchData,
  type GatewayMessageCreateDispatchData,
  type GuildMemberFlags,
  type GuildTextChannelType,
  InteractionContextType,
  InteractionType,
  Locale,
  MessageType,
  OverwriteType,
  type RoleFlags,
} from 'discord.js';
import { randomToken } from './ids.js';

/** Everything about the fake's world that payloads refer to. Tests read ids from here. */
export interface DiscordWorld {
  applicationId: string;
  botUser: APIUser;
  /** A second human, for "another user's Cancel is refused" tests. */
  users: { alice: APIUser; bob: APIUser };
  guild: { id: string; name: string; ownerId: string; preferredLocale: Locale };
  channel: { id: string; name: string };
  /** A role of the guild besides @everyone (e.g. to configure as an admin role). */
  roles: { moderator: { id: string; name: string } };
  snowflake: () => string;
  /** The channel an id names (a thread, a DM), so an interaction there carries it as Discord's do. */
  channelOf?: (id: string) => APIChannel | undefined;
}

/** All permission bits set except Administrator (8), so a channel's overwrites apply to the bot as on Discord. */
const ALL_PERMISSIONS = String(2248473465835065n & ~8n);
const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

export function makeUser(id: string, username: string, bot = false): APIUser {
  return { id, username, discriminator: '0', global_name: username, avatar: null, bot };
}

export function guildMember(user: APIUser, roles: string[] = []): APIInteractionGuildMember {
  return {
    user,
    roles,
    joined_at: new Date(0).toISOString(),
    deaf: false,
    mute: false,
    flags: 0 as GuildMemberFlags,
    permissions: ALL_PERMISSIONS,
  };
}

/**
 * A text channel of the world's guild (its own by default), or of another guild the bot is in (`guildId`); `deny`
 * is taken from @everyone there.
 */
export function textChannel(
  world: DiscordWorld,
  channel: { id: string; name: string } = world.channel,
  deny = 0n,
  guildId = world.guild.id,
): APIGuildTextChannel<GuildTextChannelType> {
  return {
    id: channel.id,
    type: ChannelType.GuildText,
    guild_id: guildId,
    name: channel.name,
    position: 0,
    permission_overwrites:
      deny === 0n ? [] : [{ id: guildId, type: OverwriteType.Role, allow: '0', deny: String(deny) }],
    nsfw: false,
    parent_id: null,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
  } as APIGuildTextChannel<GuildTextChannelType>;
}

/**
 * The world's guild (or another the bot is in: `guild`) as GUILD_CREATE brings it: its text channel (or the live
 * ones given) and active threads.
 */
export function guildCreate(
  world: DiscordWorld,
  contents: { channels: APIChannel[]; threads: APIChannel[] } = {
    channels: [textChannel(world) as APIChannel],
    threads: [],
  },
  guild: DiscordWorld['guild'] = world.guild,
): GatewayGuildCreateDispatchData {
  const everyone: APIRole = {
    id: guild.id,
    name: '@everyone',
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: 0,
    permissions: ALL_PERMISSIONS,
    managed: false,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
  // Fields discord.js ignores are left out; the cast says this is a plausible, not exhaustive, guild.
  const moderator: APIRole = {
    ...everyone,
    id: world.roles.moderator.id,
    name: world.roles.moderator.name,
    position: 1,
    permissions: '0',
  };
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: guild.ownerId,
    preferred_locale: guild.preferredLocale,
    roles: [everyone, moderator],
    emojis: [],
    stickers: [],
    features: [],
    channels: contents.channels,
    threads: contents.threads,
    members: [guildMember(world.botUser)],
    member_count: 3,
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    large: false,
    unavailable: false,
    joined_at: new Date(0).toISOString(),
    system_channel_id: null,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_progress_bar_enabled: false,
  } as unknown as GatewayGuildCreateDispatchData;
}

/** Where an event happens: the world's guild channel (default) or a DM with the user. */
export interface Place {
  user?: APIUser;
  /** Defaults to false: events happen in the guild text channel. */
  dm?: boolean;
  channelId?: string;
  /** Another guild than the world's, e.g. to test a guild allowlist (discord.js will not have it cached). */
  guildId?: string;
  locale?: Locale;
  guildLocale?: Locale;
  roles?: string[];
  attachmentSizeLimit?: number;
}

function interactionBase<T extends InteractionType>(world: DiscordWorld, type: T, place: Place) {
  const user = place.user ?? world.users.alice;
  const common = {
    id: world.snowflake(),
    application_id: world.applicationId,
    type,
    token: randomToken('ixtoken'),
    version: 1 as const,
    locale: place.locale ?? Locale.EnglishUS,
    app_permissions: ALL_PERMISSIONS,
    entitlements: [],
    authorizing_integration_owners: {},
    attachment_size_limit: place.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
  };
  if (place.dm) {
    const channelId = place.channelId ?? `${user.id}0`;
    return {
      ...common,
      user,
      channel_id: channelId,
      channel: { id: channelId, type: ChannelType.DM },
      context: InteractionContextType.BotDM,
    };
  }
  const channelId = place.channelId ?? world.channel.id;
  const guildId = place.guildId ?? world.guild.id;
  return {
    ...common,
    authorizing_integration_owners: { 0: guildId },
    guild_id: guildId,
    guild: { id: guildId, locale: world.guild.preferredLocale, features: [] },
    guild_locale: place.guildLocale ?? world.guild.preferredLocale,
    member: guildMember(user, place.roles),
    channel_id: channelId,
    channel: world.channelOf?.(channelId) ?? {
      id: channelId,
      type: ChannelType.GuildText,
      guild_id: guildId,
      name: world.channel.name,
    },
    context: InteractionContextType.Guild,
  };
}

/** An option value: inferred type (string, integer, number, boolean, attachment) or given explicitly. */
export type SlashOptionValue =
  | string
  | number
  | boolean
  | APIAttachment
  | { type: ApplicationCommandOptionType; value: string | number | boolean };

function isAttachment(value: SlashOptionValue): value is APIAttachment {
  return typeof value === 'object' && 'filename' in value && 'url' in value;
}

function toOption(name: string, value: SlashOptionValue): APIApplicationCommandInteractionDataOption {
  if (typeof value === 'string') return { name, type: ApplicationCommandOptionType.String, value };
  if (typeof value === 'boolean') return { name, type: ApplicationCommandOptionType.Boolean, value };
  if (typeof value === 'number') {
    const type = Number.isInteger(value)
      ? ApplicationCommandOptionType.Integer
      : ApplicationCommandOptionType.Number;
    return { name, type, value };
  }
  if (isAttachment(value)) return { name, type: ApplicationCommandOptionType.Attachment, value: value.id };
  return { name, type: value.type, value: value.value } as APIApplicationCommandInteractionDataOption;
}

export interface SlashCommandSpec extends Place {
  name: string;
  options?: Record<string, SlashOptionValue | undefined>;
  /** Wraps the options in a subcommand of this name. */
  subcommand?: string;
  commandId?: string;
}

export function slashCommand(
  world: DiscordWorld,
  spec: SlashCommandSpec,
): APIChatInputApplicationCommandInteraction {
  const entries = Object.entries(spec.options ?? {}).filter(
    (entry): entry is [string, SlashOptionValue] => entry[1] !== undefined,
  );
  const attachments = Object.fromEntries(
    entries.flatMap(([, value]) => (isAttachment(value) ? [[value.id, value] as const] : [])),
  );
  const leafOptions = entries.map(([name, value]) => toOption(name, value));
  const options: APIApplicationCommandInteractionDataOption[] = spec.subcommand
    ? [
        {
          name: spec.subcommand,
          type: ApplicationCommandOptionType.Subcommand,
          options: leafOptions,
        } as APIApplicationCommandInteractionDataOption,
      ]
    : leafOptions;
  return {
    ...interactionBase(world, InteractionType.ApplicationCommand, spec),
    data: {
      id: spec.commandId ?? world.snowflake(),
      name: spec.name,
      type: ApplicationCommandType.ChatInput,
      options,
      ...(Object.keys(attachments).length > 0 ? { resolved: { attachments } } : {}),
    },
  } as APIChatInputApplicationCommandInteraction;
}

export interface AutocompleteSpec extends Place {
  name: string;
  /** The options typed so far; `focused` names the one being typed (a string option). */
  options?: Record<string, SlashOptionValue | undefined>;
  focused: string;
}

/** Discord asking what to offer while `focused` is typed (an option registered with `autocomplete: true`). */
export function autocomplete(world: DiscordWorld, spec: AutocompleteSpec): APIInteraction {
  const typed = { ...spec.options, [spec.focused]: spec.options?.[spec.focused] ?? '' };
  const options = Object.entries(typed)
    .filter((entry): entry is [string, SlashOptionValue] => entry[1] !== undefined)
    .map(([name, value]) => ({
      ...toOption(name, value),
      ...(name === spec.focused ? { focused: true } : {}),
    }));
  return {
    ...interactionBase(world, InteractionType.ApplicationCommandAutocomplete, spec),
    data: { id: world.snowflake(), name: spec.name, type: ApplicationCommandType.ChatInput, options },
  } as unknown as APIInteraction;
}

export interface MessageContextMenuSpec extends Place {
  name: string;
  target: APIMessage;
  commandId?: string;
}

export function messageContextMenu(
  world: DiscordWorld,
  spec: MessageContextMenuSpec,
): APIMessageApplicationCommandInteraction {
  return {
    ...interactionBase(world, InteractionType.ApplicationCommand, {
      channelId: spec.target.channel_id,
      ...spec,
    }),
    data: {
      id: spec.commandId ?? world.snowflake(),
      name: spec.name,
      type: ApplicationCommandType.Message,
      target_id: spec.target.id,
      resolved: { messages: { [spec.target.id]: spec.target } },
    },
  } as APIMessageApplicationCommandInteraction;
}

export interface ButtonSpec extends Place {
  customId: string;
  /** The message that carries the button (usually one the bot sent, from `fake.messages`). */
  message: APIMessage;
}

export function buttonPress(world: DiscordWorld, spec: ButtonSpec): APIMessageComponentButtonInteraction {
  return {
    ...interactionBase(world, InteractionType.MessageComponent, {
      channelId: spec.message.channel_id,
      ...spec,
    }),
    message: spec.message,
    data: { custom_id: spec.customId, component_type: ComponentType.Button },
  } as APIMessageComponentButtonInteraction;
}

export interface SelectSpec extends Place {
  customId: string;
  /** The chosen options' values. */
  values: string[];
  /** The message that carries the select (e.g. the bot's ephemeral picker, from `fake.message`). */
  message: APIMessage;
}

export function selectMenu(world: DiscordWorld, spec: SelectSpec): APIMessageComponentSelectMenuInteraction {
  const data: APIMessageStringSelectInteractionData = {
    custom_id: spec.customId,
    component_type: ComponentType.StringSelect,
    values: spec.values,
  };
  return {
    ...interactionBase(world, InteractionType.MessageComponent, {
      channelId: spec.message.channel_id,
      ...spec,
    }),
    message: spec.message,
    data,
  } as APIMessageComponentSelectMenuInteraction;
}

export interface ModalSubmitSpec extends Place {
  customId: string;
  /** Text input custom_id → submitted value. */
  fields: Record<string, string>;
  /** Set when the modal was opened from a button on this message. */
  message?: APIMessage;
}

export function modalSubmit(world: DiscordWorld, spec: ModalSubmitSpec): APIModalSubmitInteraction {
  return {
    ...interactionBase(world, InteractionType.ModalSubmit, spec),
    ...(spec.message ? { message: spec.message } : {}),
    data: {
      custom_id: spec.customId,
      components: Object.entries(spec.fields).map(([customId, value]) => ({
        type: ComponentType.ActionRow,
        components: [{ type: ComponentType.TextInput, custom_id: customId, value }],
      })),
    },
  } as APIModalSubmitInteraction;
}

export interface UserMessageSpec {
  content: string;
  author?: APIUser;
  channelId?: string;
  dm?: boolean;
  attachments?: APIAttachment[];
  /** Users mentioned in the content; use `mention(world.botUser)` in `content` too, as Discord clients do. */
  mentions?: APIUser[];
  /** Makes this a reply (type 19) carrying both `message_reference` and `referenced_message`. */
  replyTo?: APIMessage;
  roles?: string[];
  guildId?: string;
}

export function mention(user: APIUser): string {
  return `<@${user.id}>`;
}

export function userMessage(world: DiscordWorld, spec: UserMessageSpec): GatewayMessageCreateDispatchData {
  const author = spec.author ?? world.users.alice;
  const channelId =
    spec.channelId ?? spec.replyTo?.channel_id ?? (spec.dm ? `${author.id}0` : world.channel.id);
  const guildFields = spec.dm
    ? {}
    : {
        guild_id: spec.guildId ?? world.guild.id,
        member: { ...guildMember(author, spec.roles), user: undefined },
      };
  return {
    id: world.snowflake(),
    channel_id: channelId,
    author,
    content: spec.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: spec.mentions ?? [],
    mention_roles: [],
    attachments: spec.attachments ?? [],
    embeds: [],
    pinned: false,
    type: spec.replyTo ? MessageType.Reply : MessageType.Default,
    components: [],
    ...(spec.replyTo
      ? {
          message_reference: {
            type: 0,
            message_id: spec.replyTo.id,
            channel_id: spec.replyTo.channel_id,
            ...(spec.dm ? {} : { guild_id: spec.guildId ?? world.guild.id }),
          },
          referenced_message: spec.replyTo,
        }
      : {}),
    ...guildFields,
  } as GatewayMessageCreateDispatchData;
}

export type AnyInteraction = APIInteraction;
