import { type APIChannel, type APIThreadChannel, ChannelType, PermissionFlagsBits } from 'discord.js';
import { type DiscordWorld, textChannel } from './builders.js';
import { discordError, type RouteReply } from './errors.js';

/** A channel the fake knows: a guild text channel, a public thread in one, or a DM with a user of the world. */
export interface ChannelState {
  id: string;
  name: string;
  /** The permissions @everyone (and so the bot) is denied there; a thread has its parent's. */
  deny: bigint;
  type: ChannelType.GuildText | ChannelType.PublicThread | ChannelType.DM;
  guildId?: string;
  /** A thread's channel. */
  parentId?: string;
  archived?: boolean;
  /** An archived thread that only Manage Threads may reopen: a post no longer unarchives it. */
  locked?: boolean;
  /** A DM's user. */
  recipientId?: string;
}

export const unknownChannel = () => discordError(404, 10003, 'Unknown Channel');
export const missingAccess = () => discordError(403, 50001, 'Missing Access');
export const threadArchived = () => discordError(400, 50083, 'Thread is archived');
export const cannotMessageUser = () => discordError(403, 50007, 'Cannot send messages to this user');

export function isRouteReply(value: ChannelState | RouteReply): value is RouteReply {
  return 'status' in value;
}

/**
 * The channels as Discord answers for them: a deleted one is Unknown Channel (10003), one of a guild that removed
 * the bot or one it may not view is Missing Access (50001).
 */
export class ChannelDirectory {
  readonly #channels = new Map<string, ChannelState>();
  readonly #deleted = new Set<string>();
  readonly #removedGuilds = new Set<string>();
  /** Guilds the bot joined besides the world's (`addGuild`); the world's users are members of each. */
  readonly #otherGuilds = new Map<string, DiscordWorld['guild']>();
  /** After a removal, whether the world's users still share a server with the bot elsewhere (DMs stay open). */
  #sharedElsewhere = false;

  constructor(private readonly world: DiscordWorld) {
    this.set({
      id: world.channel.id,
      name: world.channel.name,
      deny: 0n,
      type: ChannelType.GuildText,
      guildId: world.guild.id,
    });
  }

  set(state: ChannelState): ChannelState {
    this.#channels.set(state.id, state);
    return state;
  }

  /** A live channel; a DM with a user of the world exists once either side wrote, as the builders' DMs do. */
  get(id: string): ChannelState | undefined {
    if (this.#deleted.has(id)) return undefined;
    const known = this.#channels.get(id);
    if (known) return known;
    const user = Object.values(this.world.users).find((u) => `${u.id}0` === id);
    return user && this.set({ id, name: '', deny: 0n, type: ChannelType.DM, recipientId: user.id });
  }

  /** Denied bits for the bot there: a thread inherits its parent's overwrites. */
  denyOf(state: ChannelState): bigint {
    const parent = state.parentId ? this.#channels.get(state.parentId) : undefined;
    return state.deny | (parent?.deny ?? 0n);
  }

  /** Deletes a channel (and a text channel's threads); returns what went, for the gateway events. */
  delete(id: string): ChannelState[] {
    const state = this.get(id);
    if (!state) return [];
    const gone = [...this.#channels.values()].filter((c) => c.id === id || c.parentId === id);
    for (const channel of gone) this.#deleted.add(channel.id);
    return gone;
  }

  removeGuild(guildId: string, sharedElsewhere: boolean): void {
    this.#removedGuilds.add(guildId);
    this.#sharedElsewhere = sharedElsewhere;
  }

  /** Another guild the bot is in, with the world's users as its members. */
  addGuild(guild: DiscordWorld['guild']): void {
    this.#otherGuilds.set(guild.id, guild);
  }

  /** The guilds the bot is in now: the world's and those `addGuild` added, less those that removed it. */
  guilds(): DiscordWorld['guild'][] {
    return [this.world.guild, ...this.#otherGuilds.values()].filter((g) => !this.#removedGuilds.has(g.id));
  }

  /** The bot is a member of the guild (it was never removed from it). */
  isMember(guildId: string | undefined): boolean {
    return this.guilds().some((g) => g.id === guildId);
  }

  isDeleted(id: string): boolean {
    return this.#deleted.has(id);
  }

  isRemoved(guildId: string): boolean {
    return this.#removedGuilds.has(guildId);
  }

  /** The live channels and threads of a guild, for GUILD_CREATE (archived threads are not listed there). */
  ofGuild(guildId: string): { channels: APIChannel[]; threads: APIChannel[] } {
    const live = [...this.#channels.values()].filter((c) => c.guildId === guildId && this.get(c.id));
    return {
      channels: live.filter((c) => c.type === ChannelType.GuildText).map((c) => this.payload(c)),
      threads: live
        .filter((c) => c.type === ChannelType.PublicThread && !c.archived)
        .map((c) => this.payload(c)),
    };
  }

  /**
   * The channel as the bot may reach it: 10003 when there is none (or no more), 50001 when its guild removed the
   * bot or the bot may not view it.
   */
  access(id: string): ChannelState | RouteReply {
    const state = this.get(id);
    if (!state) return unknownChannel();
    if (state.guildId && this.#removedGuilds.has(state.guildId)) return missingAccess();
    if ((this.denyOf(state) & PermissionFlagsBits.ViewChannel) !== 0n) return missingAccess();
    return state;
  }

  /**
   * A DM needs a server the bot shares with its user: after the removal from the world's guild, 50007 unless
   * another guild (`addGuild`) still holds both, or `sharedElsewhere` says a server outside the world does.
   */
  dmRefused(state: ChannelState): boolean {
    return (
      state.type === ChannelType.DM &&
      !this.#sharedElsewhere &&
      this.#removedGuilds.has(this.world.guild.id) &&
      this.guilds().length === 0
    );
  }

  payload(state: ChannelState): APIChannel {
    if (state.type === ChannelType.PublicThread) return threadChannel(this.world, state);
    if (state.type === ChannelType.DM) {
      const recipient = Object.values(this.world.users).find((u) => u.id === state.recipientId);
      return {
        id: state.id,
        type: ChannelType.DM,
        last_message_id: null,
        recipients: recipient ? [recipient] : [],
      } as APIChannel;
    }
    return textChannel(this.world, state, state.deny, state.guildId) as APIChannel;
  }
}

/** A public thread (type 11) of a guild text channel, opened by alice. */
export function threadChannel(world: DiscordWorld, state: ChannelState): APIThreadChannel {
  return {
    id: state.id,
    type: ChannelType.PublicThread,
    guild_id: state.guildId ?? world.guild.id,
    parent_id: state.parentId ?? world.channel.id,
    owner_id: world.users.alice.id,
    name: state.name,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    flags: 0,
    thread_metadata: {
      archived: state.archived === true,
      auto_archive_duration: 1440,
      archive_timestamp: new Date().toISOString(),
      locked: state.locked === true,
    },
  } as unknown as APIThreadChannel;
}

/** A post in an archived thread unarchives it, unless it is locked (50083). */
export function unarchived(
  directory: ChannelDirectory,
  state: ChannelState,
  dispatch: (event: string, data: unknown) => void,
): ChannelState | RouteReply {
  if (!state.archived) return state;
  if (state.locked) return threadArchived();
  state.archived = false;
  dispatch('THREAD_UPDATE', directory.payload(state));
  return state;
}

/** Where the bot edits or deletes a message: an archived thread refuses it (only a post unarchives). */
export function editTarget(directory: ChannelDirectory, id: string): ChannelState | RouteReply {
  const state = directory.access(id);
  if (isRouteReply(state)) return state;
  return state.archived ? threadArchived() : state;
}
