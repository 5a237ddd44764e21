import {
  type APIAttachment,
  type APIInteraction,
  type APIMessage,
  ChannelType,
  type GatewayMessageCreateDispatchData,
  Locale,
} from 'discord.js';
import { FailurePlan } from '../shared/failures.js';
import { closeServer, listenOnLoopback } from '../shared/http.js';
import { CallRecorder } from '../shared/recorder.js';
import {
  type AutocompleteSpec,
  autocomplete,
  type ButtonSpec,
  buttonPress,
  type DiscordWorld,
  guildCreate,
  type MessageContextMenuSpec,
  type ModalSubmitSpec,
  makeUser,
  messageContextMenu,
  modalSubmit,
  type SelectSpec,
  type SlashCommandSpec,
  selectMenu,
  slashCommand,
  textChannel,
  type UserMessageSpec,
  userMessage,
} from './builders.js';
import type { ChannelState } from './channels.js';
import { FakeGateway, type GatewayFrame } from './gateway.js';
import {
  type Delivery,
  type DeliveryOptions,
  makeSigningKeys,
  postSignedInteraction,
  type SigningKeys,
} from './http-interactions.js';
import { createSnowflakeSource, snowflakeAt } from './ids.js';
import { DEFAULT_ROUTE_LIMITS, RouteBuckets, type RouteLimits } from './ratelimits.js';
import { createDiscordHttpServer, type DiscordCall, type DiscordFailure } from './server.js';
import { DiscordStore, type InteractionState, type RegisterAttachmentSpec } from './store.js';
import { DEFAULT_LIMITS, type DiscordLimits } from './validation.js';

export type { DiscordWorld, SlashOptionValue } from './builders.js';
export { mention } from './builders.js';
export type { GatewayFrame } from './gateway.js';
export type { Delivery, DeliveryOptions } from './http-interactions.js';
export type { RouteLimits } from './ratelimits.js';
export type { DiscordCall } from './server.js';
export type { InteractionState, JsonBody, RegisterAttachmentSpec } from './store.js';
export type { DiscordLimits } from './validation.js';

/** `'PATCH /webhooks/:app/:token/messages/:message'`, `'/channels/:channel/messages'` (any method) or a predicate. */
export type RouteMatcher = string | ((call: DiscordCall) => boolean);

export interface FakeDiscordOptions {
  /** Hello's heartbeat interval; short values exercise heartbeats and zombie detection. Default 41250. */
  heartbeatIntervalMs?: number;
  /** Discord's ack deadline (3 s), token lifetime (15 min) and per-file upload limit (10 MiB), to shrink in tests. */
  limits?: Partial<DiscordLimits>;
  /**
   * The app holds the privileged Message Content intent. Default false, as for the bot: other members' server
   * messages reach it without content or attachments unless they mention it.
   */
  messageContent?: boolean;
  /**
   * The per-route limits behind the X-RateLimit-* headers of message posts and edits (per channel, per interaction
   * webhook); a call past them gets a 429. Default 5 per 5 s, as Discord's message posts; false: none.
   */
  routeLimits?: RouteLimits | false;
}

/** A public thread `addThread` opened. */
export interface ThreadSpec {
  name?: string;
  /** Its channel: the world's by default (or one `addChannel` made). */
  parentId?: string;
  archived?: boolean;
  locked?: boolean;
}

export interface DispatchedInteraction<T extends APIInteraction = APIInteraction> {
  id: string;
  token: string;
  payload: T;
}

function toPredicate(matcher: RouteMatcher): (call: DiscordCall) => boolean {
  if (typeof matcher === 'function') return matcher;
  if (matcher.includes(' ')) return (call) => call.route === matcher;
  return (call) => call.route.slice(call.route.indexOf(' ') + 1) === matcher;
}

function describeCall(call: DiscordCall): string {
  const files =
    call.files.length > 0
      ? ` files=[${call.files.map((f) => `${f.field}:${f.filename}:${f.bytes.length}B`)}]`
      : '';
  const body = call.body === undefined ? '' : ` body=${JSON.stringify(call.body).slice(0, 160)}`;
  return `${call.method} ${call.path} → ${call.status}${files}${body}`;
}

/**
 * A fake Discord on 127.0.0.1: REST under `/api`, the gateway at `/gateway`, attachment files at `/attachments`.
 * Start one per test with `startFakeDiscord()`, log a real discord.js client in with `clientOptions()` and `token`,
 * inject events with `dispatch*`, and assert on `calls` / `waitForCall`.
 */
export class FakeDiscord {
  readonly world: DiscordWorld;
  readonly store: DiscordStore;
  readonly recorder = new CallRecorder<DiscordCall>('fake-discord REST', describeCall);
  readonly gatewayFrames = new CallRecorder<GatewayFrame>('fake-discord gateway', (f) => `op ${f.op}`);
  readonly failures = new FailurePlan<DiscordCall, DiscordFailure>();
  /** Any string works: the fake never checks it, and real tokens must never reach a test. */
  readonly token = 'fake-discord-bot-token';
  /** The application's Ed25519 key pair for HTTP interactions; give the bot `signingKeys.publicKeyHex`. */
  readonly signingKeys: SigningKeys = makeSigningKeys();
  readonly limits: DiscordLimits;
  readonly #server;
  readonly #buckets: RouteBuckets;
  #port = 0;
  readonly gateway: FakeGateway;

  private constructor(options: FakeDiscordOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#buckets = new RouteBuckets(options.routeLimits ?? DEFAULT_ROUTE_LIMITS);
    const snowflake = createSnowflakeSource();
    const applicationId = snowflake();
    const botUser = makeUser(applicationId, 'dimoo', true);
    const alice = makeUser(snowflake(), 'alice');
    this.world = {
      applicationId,
      botUser,
      users: { alice, bob: makeUser(snowflake(), 'bob') },
      guild: { id: snowflake(), name: 'Fake Guild', ownerId: alice.id, preferredLocale: Locale.EnglishUS },
      channel: { id: snowflake(), name: 'general' },
      roles: { moderator: { id: snowflake(), name: 'Moderators' } },
      snowflake,
    };
    this.store = new DiscordStore(this.world, () => this.baseUrl, options.messageContent ?? false);
    const channels = this.store.channels;
    this.world.channelOf = (id) => {
      const state = channels.get(id);
      return state && channels.payload(state);
    };
    this.#server = createDiscordHttpServer({
      world: this.world,
      store: this.store,
      recorder: this.recorder,
      failures: this.failures,
      gatewayUrl: () => this.gatewayUrl,
      limits: this.limits,
      dispatch: (event, data) => {
        if (this.gateway.connected > 0) this.gateway.dispatch(event, data);
      },
      buckets: this.#buckets,
    });
    this.gateway = new FakeGateway(this.#server, this.world, this.gatewayFrames, () => this.gatewayUrl, {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      ackHeartbeats: true,
      guilds: () =>
        channels.guilds().map((guild) => guildCreate(this.world, channels.ofGuild(guild.id), guild)),
    });
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    fake.#port = await listenOnLoopback(fake.#server);
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}/gateway`;
  }
  /** Hosts the adapter's attachment allowlist must accept in tests (Discord's CDN hosts in production). */
  get cdnHosts(): string[] {
    return [`127.0.0.1:${this.#port}`];
  }

  /** Spread into `new Client({ intents, ...fake.clientOptions() })`. */
  clientOptions(): { rest: { api: string; cdn: string } } {
    return { rest: { api: this.apiUrl, cdn: this.baseUrl } };
  }

  get calls(): DiscordCall[] {
    return this.recorder.calls;
  }

  /** Waits for a REST call (already recorded ones count); on timeout the error lists every call seen. */
  waitForCall(matcher: RouteMatcher, timeoutMs = 5000): Promise<DiscordCall> {
    return this.recorder.waitForCall(toPredicate(matcher), timeoutMs);
  }

  waitForCalls(matcher: RouteMatcher, count: number, timeoutMs = 5000): Promise<DiscordCall[]> {
    return this.recorder.waitForCalls(toPredicate(matcher), count, timeoutMs);
  }

  callsTo(matcher: RouteMatcher): DiscordCall[] {
    return this.calls.filter(toPredicate(matcher));
  }

  /** Payload builders bound to this fake's world (ids, users, guild, channel). */
  readonly build = {
    slashCommand: (spec: SlashCommandSpec) => slashCommand(this.world, spec),
    autocomplete: (spec: AutocompleteSpec) => autocomplete(this.world, spec),
    messageContextMenu: (spec: MessageContextMenuSpec) => messageContextMenu(this.world, spec),
    buttonPress: (spec: ButtonSpec) => buttonPress(this.world, spec),
    selectMenu: (spec: SelectSpec) => selectMenu(this.world, spec),
    modalSubmit: (spec: ModalSubmitSpec) => modalSubmit(this.world, spec),
    userMessage: (spec: UserMessageSpec) => userMessage(this.world, spec),
    guildCreate: () => guildCreate(this.world, this.store.channels.ofGuild(this.world.guild.id)),
  };

  /** Raw dispatch, any event name, any (even malformed) payload. */
  dispatch(event: string, data: unknown): void {
    this.gateway.dispatch(event, data);
  }

  /**
   * `lateMs`: the gateway delivers it that long after Discord created it (a lagging gateway, a busy bot). Its id
   * says so, as Discord's do, and the 3-second deadline counts from then.
   */
  dispatchInteraction<T extends APIInteraction>(
    payload: T,
    { lateMs = 0 }: { lateMs?: number } = {},
  ): DispatchedInteraction<T> {
    this.#fromReachableGuild(payload.guild_id);
    const createdAt = Date.now() - lateMs;
    const sent = lateMs > 0 ? { ...payload, id: snowflakeAt(payload.id, createdAt) } : payload;
    this.store.interactions.set(sent.id, { payload: sent, dispatchedAt: createdAt, expired: false });
    this.gateway.dispatch('INTERACTION_CREATE', sent);
    return { id: sent.id, token: sent.token, payload: sent };
  }

  /**
   * HTTP interactions mode: POSTs the interaction to the app's endpoint, signed as Discord signs it, and answers
   * with the endpoint's status and JSON body. The interaction is tracked as a dispatched one (deadlines, callbacks).
   */
  deliverInteraction<T extends APIInteraction>(
    url: string,
    payload: T,
    options: DeliveryOptions = {},
  ): Promise<Delivery & DispatchedInteraction<T>> {
    this.store.interactions.set(payload.id, { payload, dispatchedAt: Date.now(), expired: false });
    return postSignedInteraction(url, payload, this.signingKeys, options).then((delivery) => ({
      ...delivery,
      id: payload.id,
      token: payload.token,
      payload,
    }));
  }

  /**
   * Matches an interaction's visible answers, whichever way the bot gave them: a successful callback carrying a
   * message (type 4 or 7) or an edit of its reply through the interaction webhook.
   */
  answerOf(ix: { id: string; token: string }): (call: DiscordCall) => boolean {
    return (call) =>
      (call.route === 'POST /interactions/:id/:token/callback' &&
        call.params.id === ix.id &&
        (call.status ?? 0) < 300 &&
        [4, 7].includes(Number((call.body as { type?: number } | undefined)?.type))) ||
      (call.route === 'PATCH /webhooks/:app/:token/messages/:message' && call.params.token === ix.token);
  }

  /** The same interaction delivered again (a replayed gateway event): same id, same token. */
  redeliverInteraction(id: string): void {
    const state = this.store.interactions.get(id);
    if (!state) throw new Error(`fake-discord: no interaction ${id} was dispatched`);
    this.gateway.dispatch('INTERACTION_CREATE', state.payload);
  }

  /** A message is deleted (by its author or a moderator): fetches, replies to it and edits of it get 10008. */
  deleteMessage(id: string): void {
    const message = this.store.messages.get(id);
    this.store.messages.delete(id);
    if (message) this.gateway.dispatch('MESSAGE_DELETE', { id, channel_id: message.channel_id });
  }

  /**
   * The next `times` edits of bot messages (through the interaction webhook or the channel) are refused with
   * 403 Missing Access, as when the bot lost the channel or the message is out of its reach.
   */
  refuseEdits(times = 1): void {
    this.failRoute(
      (call) =>
        call.route === 'PATCH /webhooks/:app/:token/messages/:message' ||
        call.route === 'PATCH /channels/:channel/messages/:message',
      { times, status: 403, code: 50001, message: 'Missing Access' },
    );
  }

  /**
   * Dispatches MESSAGE_CREATE and remembers the message, so later replies and context menus can point at it. The
   * bot receives it as Discord would send it (see `store.seenByBot`); the returned payload is the whole message,
   * as its author and a message menu's resolved data have it.
   */
  dispatchMessage(payload: GatewayMessageCreateDispatchData): APIMessage {
    this.#fromReachableGuild(payload.guild_id);
    // The REST side never answers with the null fields a hostile gateway event may carry.
    const stored = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== null));
    this.store.messages.set(payload.id, stored as unknown as APIMessage);
    // A reply to a message that is gone carries `referenced_message: null`, as on Discord.
    const referenced = payload.message_reference?.message_id;
    const event =
      referenced && !this.store.messages.has(referenced) ? { ...payload, referenced_message: null } : payload;
    this.gateway.dispatch('MESSAGE_CREATE', this.store.seenByBot(event));
    return payload;
  }

  /**
   * A new text channel in the world's guild (CHANNEL_CREATE) where @everyone, and so the bot, is denied `deny`
   * (permission bits): posting there without them is refused with 403 Missing Permissions.
   */
  addChannel(deny: bigint, name = 'read-only'): { id: string; name: string } {
    const channel = { id: this.world.snowflake(), name };
    this.store.channels.set({ ...channel, deny, type: ChannelType.GuildText, guildId: this.world.guild.id });
    this.gateway.dispatch('CHANNEL_CREATE', textChannel(this.world, channel, deny));
    return channel;
  }

  /**
   * A public thread (type 11) in a text channel of the world's guild (THREAD_CREATE). It has its channel's
   * permissions; the bot posts there with Send Messages in Threads. Put an interaction or a message in it with
   * `channelId: thread.id`.
   */
  addThread({ name = 'a thread', parentId = this.world.channel.id, archived, locked }: ThreadSpec = {}): {
    id: string;
    name: string;
    parentId: string;
  } {
    const state = this.store.channels.set({
      id: this.world.snowflake(),
      name,
      deny: 0n,
      type: ChannelType.PublicThread,
      guildId: this.world.guild.id,
      parentId,
    });
    this.gateway.dispatch('THREAD_CREATE', { ...this.store.channels.payload(state), newly_created: true });
    if (archived || locked) this.archiveThread(state.id, { locked });
    return { id: state.id, name, parentId };
  }

  /**
   * The thread is archived (THREAD_UPDATE), by a moderator or after inactivity: edits in it get 50083, and a post
   * unarchives it, unless `locked`, when posts get 50083 too.
   */
  archiveThread(id: string, { locked = false }: { locked?: boolean } = {}): void {
    const state = this.#channel(id);
    state.archived = true;
    state.locked = locked;
    this.gateway.dispatch('THREAD_UPDATE', this.store.channels.payload(state));
  }

  /** The current state of a channel or thread (archived, locked), or undefined once deleted. */
  channel(id: string): ChannelState | undefined {
    return this.store.channels.get(id);
  }

  /**
   * A channel (or thread) is deleted: CHANNEL_DELETE (THREAD_DELETE for a thread, and for each thread of a deleted
   * channel). Posts, edits and fetches there get 404 Unknown Channel (10003), through the interaction webhooks too.
   */
  deleteChannel(id: string): void {
    this.#channel(id);
    for (const gone of this.store.channels.delete(id)) {
      const payload = this.store.channels.payload(gone);
      if (gone.type === ChannelType.PublicThread)
        this.gateway.dispatch('THREAD_DELETE', {
          id: gone.id,
          guild_id: gone.guildId,
          parent_id: gone.parentId,
          type: gone.type,
        });
      else this.gateway.dispatch('CHANNEL_DELETE', payload);
    }
  }

  /**
   * The guild removes the bot (kicked, or the guild deleted): GUILD_DELETE without `unavailable`. Its channels then
   * answer 403 Missing Access (50001), it sends no more interactions or messages, and a later login does not list
   * it; interaction webhooks still work (they need no membership). DMs need a server the bot shares with their
   * user: refused with 50007 unless `sharedElsewhere`.
   */
  removeFromGuild(guildId: string, { sharedElsewhere = false }: { sharedElsewhere?: boolean } = {}): void {
    this.store.channels.removeGuild(guildId, sharedElsewhere);
    this.gateway.dispatch('GUILD_DELETE', { id: guildId });
  }

  /**
   * The bot joins another guild (GUILD_CREATE) with one text channel, where the world's users are members too:
   * put events there with `guildId: guild.id, channelId: guild.channel.id`. A later login lists it; DMs stay open
   * while the bot shares it with their user.
   */
  addGuild(name = 'Other Guild'): DiscordWorld['guild'] & { channel: { id: string; name: string } } {
    const guild = { ...this.world.guild, id: this.world.snowflake(), name };
    const channel = { id: this.world.snowflake(), name: 'general' };
    this.store.channels.addGuild(guild);
    this.store.channels.set({ ...channel, deny: 0n, type: ChannelType.GuildText, guildId: guild.id });
    this.gateway.dispatch(
      'GUILD_CREATE',
      guildCreate(this.world, this.store.channels.ofGuild(guild.id), guild),
    );
    return { ...guild, channel };
  }

  /**
   * A Discord outage: GUILD_DELETE with `unavailable: true`. The bot stays in the guild (REST answers as before);
   * `guildRecovered` brings it back (GUILD_CREATE), as Discord does when the outage ends.
   */
  guildOutage(guildId: string): void {
    this.gateway.dispatch('GUILD_DELETE', { id: guildId, unavailable: true });
  }

  guildRecovered(guildId: string): void {
    const guild = this.store.channels.guilds().find((g) => g.id === guildId);
    if (!guild) throw new Error(`fake-discord: the bot is not in guild ${guildId}`);
    this.gateway.dispatch(
      'GUILD_CREATE',
      guildCreate(this.world, this.store.channels.ofGuild(guildId), guild),
    );
  }

  #channel(id: string): ChannelState {
    const state = this.store.channels.get(id);
    if (!state) throw new Error(`fake-discord: no channel ${id}`);
    return state;
  }

  /** Discord sends nothing from a guild that removed the bot: a test that tries has a mistake in it. */
  #fromReachableGuild(guildId: string | undefined): void {
    if (guildId && this.store.channels.isRemoved(guildId))
      throw new Error(
        `fake-discord: the bot was removed from guild ${guildId}; Discord sends nothing from it`,
      );
  }

  /** Serves `bytes` from this fake's CDN route and returns the attachment object to put in payloads. */
  registerAttachment(spec: RegisterAttachmentSpec): APIAttachment {
    return this.store.registerAttachment(spec);
  }

  /** The fake's current view of a message the bot posted or edited (latest content, attachments, components). */
  message(id: string): APIMessage | undefined {
    return this.store.messages.get(id);
  }

  interaction(id: string): InteractionState | undefined {
    return this.store.interactions.get(id);
  }

  /** The bytes behind an attachment URL served by this fake (e.g. the PNG the bot uploaded). */
  attachmentBytes(attachment: APIAttachment): Buffer | undefined {
    return this.store.cdn.get(decodeURIComponent(new URL(attachment.url).pathname))?.bytes;
  }

  /** From now on the interaction's token is dead, as after Discord's 15 minutes: webhook calls get 401/50027. */
  expireInteraction(id: string): void {
    const state = this.store.interactions.get(id);
    if (!state) throw new Error(`fake-discord: no interaction ${id} was dispatched`);
    state.expired = true;
  }

  /** Other per-route limits from now on (counts so far dropped), e.g. Discord's own 5 per 5 s; false: none. */
  setRouteLimits(limits: RouteLimits | false): void {
    this.#buckets.set(limits);
  }

  /** The next `times` matching calls get a 429 with Discord's headers and body; discord.js should wait it out. */
  rateLimit(
    matcher: RouteMatcher,
    {
      times = 1,
      retryAfterSeconds = 0.2,
      global = false,
    }: { times?: number; retryAfterSeconds?: number; global?: boolean } = {},
  ): void {
    this.failures.add(toPredicate(matcher), times, {
      kind: 'status',
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global },
      headers: {
        'retry-after': String(retryAfterSeconds),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(retryAfterSeconds),
        'x-ratelimit-bucket': 'fakebucket',
        'x-ratelimit-scope': global ? 'global' : 'user',
        ...(global ? { 'x-ratelimit-global': 'true' } : {}),
      },
    });
  }

  /** The next `times` matching calls fail with this status and a Discord error body. */
  failRoute(
    matcher: RouteMatcher,
    { times = 1, status = 500, code = 0, message = 'fake-discord injected failure' } = {},
  ): void {
    this.failures.add(toPredicate(matcher), times, { kind: 'status', status, body: { message, code } });
  }

  /** The next `times` matching calls are answered as usual, `ms` later. */
  delayRoute(matcher: RouteMatcher, ms: number, times = 1): void {
    this.failures.add(toPredicate(matcher), times, { kind: 'delay', ms });
  }

  /**
   * The next `times` matching calls are carried out, then their answer is lost: a 5xx (`status`) or a dropped
   * connection (`'reset'`). discord.js retries both; a retried interaction callback then meets 40060.
   */
  loseAnswer(matcher: RouteMatcher, { times = 1, status = 500 as number | 'reset' } = {}): void {
    this.failures.add(toPredicate(matcher), times, {
      kind: 'lost',
      status: status === 'reset' ? -1 : status,
    });
  }

  /** The next `times` matching requests have their connection destroyed without an answer. */
  resetConnection(matcher: RouteMatcher, times = 1): void {
    this.failures.add(toPredicate(matcher), times, { kind: 'reset' });
  }

  async stop(): Promise<void> {
    await this.gateway.close();
    await closeServer(this.#server);
  }
}

export function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return FakeDiscord.start(options);
}
