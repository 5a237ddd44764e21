import type { APIApplicationCommand, APIMessage } from 'discord.js';
import { ChannelType, InteractionType, MessageFlags, MessageType, PermissionFlagsBits } from 'discord.js';
import type { UploadedFile } from '../shared/multipart.js';
import type { DiscordWorld } from './builders.js';
import {
  type ChannelState,
  cannotMessageUser,
  editTarget,
  isRouteReply,
  missingAccess,
  threadArchived,
  unarchived,
  unknownChannel,
} from './channels.js';
import { invalidCommands } from './command-rules.js';
import { discordError, type RouteReply } from './errors.js';
import type { DiscordStore, InteractionState, JsonBody } from './store.js';
import {
  type DiscordLimits,
  emptiedByEdit,
  emptyMessage,
  invalidCallbackType,
  invalidDeferFlags,
  invalidMessageBody,
  invalidModal,
  type MessageUse,
} from './validation.js';

export { discordError, type RouteReply } from './errors.js';

export interface RouteRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: JsonBody;
  files: UploadedFile[];
}

export interface RouteContext {
  world: DiscordWorld;
  store: DiscordStore;
  gatewayUrl: string;
  limits: DiscordLimits;
  dispatch: (event: string, data: unknown) => void;
}

type Handler = (req: RouteRequest, ctx: RouteContext) => RouteReply;

interface Route {
  method: string;
  template: string;
  segments: string[];
  handle: Handler;
}

const ok = (body: unknown): RouteReply => ({ status: 200, body });
const noContent: RouteReply = { status: 204 };
const unknownMessage = () => discordError(404, 10008, 'Unknown Message');
const missingPermissions = () => discordError(403, 50013, 'Missing Permissions');

/**
 * A message as the channel endpoints see it: ephemeral messages are not there (10008), only the interaction that
 * made one, or a component's interaction on it, can edit or delete it.
 */
function channelMessage(ctx: RouteContext, req: RouteRequest): APIMessage | undefined {
  const message = ctx.store.messages.get(req.params.message ?? '');
  if (!message || message.channel_id !== req.params.channel) return undefined;
  return (message.flags ?? 0) & MessageFlags.Ephemeral ? undefined : message;
}

/**
 * A post in a channel: refused where the channel is gone or out of reach, in a DM without a shared server, where
 * the bot lacks Send Messages (in a thread: Send Messages in Threads), Read Message History (for a reply) or Attach
 * Files (with files), in a locked archived thread, and a reply to a message that is gone unless
 * `fail_if_not_exists` is false. An archived thread that is not locked is unarchived by the post.
 */
function refusedPost(req: RouteRequest, ctx: RouteContext): RouteReply | undefined {
  const channels = ctx.store.channels;
  const state = channels.access(req.params.channel ?? '');
  if (isRouteReply(state)) return state;
  if (channels.dmRefused(state)) return cannotMessageUser();
  const reference = req.body?.message_reference;
  const needs =
    (state.type === ChannelType.PublicThread
      ? PermissionFlagsBits.SendMessagesInThreads
      : PermissionFlagsBits.SendMessages) |
    (reference ? PermissionFlagsBits.ReadMessageHistory : 0n) |
    (req.files.length > 0 ? PermissionFlagsBits.AttachFiles : 0n);
  if ((channels.denyOf(state) & needs) !== 0n) return missingPermissions();
  const target = reference?.message_id ? String(reference.message_id) : undefined;
  if (target && !ctx.store.messages.has(target) && reference.fail_if_not_exists !== false) {
    return {
      status: 400,
      body: {
        message: 'Invalid Form Body',
        code: 50035,
        errors: {
          message_reference: { _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
        },
      },
    };
  }
  const open = unarchived(channels, state, ctx.dispatch);
  return isRouteReply(open) ? open : undefined;
}

/**
 * The channel of an interaction's webhook messages: one deleted since is Unknown Channel; an archived thread takes
 * no edit, and a post unarchives it unless locked. A guild that removed the bot does not matter: interaction
 * webhooks need no membership (user-installed apps answer in servers they are not in).
 */
function webhookChannel(
  ctx: RouteContext,
  state: InteractionState,
  use: 'read' | 'edit' | 'post',
): ChannelState | RouteReply | undefined {
  const id = state.payload.channel_id ?? ctx.world.channel.id;
  if (ctx.store.channels.isDeleted(id)) return unknownChannel();
  const channel = ctx.store.channels.get(id);
  if (!channel || use === 'read') return channel;
  if (use === 'post') return unarchived(ctx.store.channels, channel, ctx.dispatch);
  return channel.archived ? threadArchived() : channel;
}

/** A call on a channel's message: the channel must be reachable first (10003, 50001; 50083 for an edit). */
function inChannel(handler: Handler, use: 'read' | 'edit' = 'read'): Handler {
  return (req, ctx) => {
    const id = req.params.channel ?? '';
    const state = use === 'edit' ? editTarget(ctx.store.channels, id) : ctx.store.channels.access(id);
    return isRouteReply(state) ? state : handler(req, ctx);
  };
}

/** The bot is in the world's guild (and those `addGuild` added), until it is removed from one. */
function inGuild(ctx: RouteContext, guildId: string | undefined): boolean {
  return ctx.store.channels.isMember(guildId);
}

const unknownWebhook = () => discordError(404, 10015, 'Unknown Webhook');

function interactionByToken(ctx: RouteContext, app: string, token: string): InteractionState | RouteReply {
  if (app !== ctx.world.applicationId) return unknownWebhook();
  for (const state of ctx.store.interactions.values()) {
    if (state.payload.token !== token) continue;
    if (state.expired || Date.now() - state.dispatchedAt > ctx.limits.tokenLifetimeMs) {
      return discordError(401, 50027, 'Invalid Webhook Token');
    }
    // Discord refuses webhook use of an interaction that was never acknowledged.
    if (!state.ack) return unknownWebhook();
    return state;
  }
  return unknownWebhook();
}

function isReply(value: InteractionState | RouteReply): value is RouteReply {
  return 'status' in value;
}

function webhookMessage(ctx: RouteContext, state: InteractionState, id: string): APIMessage | undefined {
  const messageId = id === '@original' ? state.originalMessageId : id;
  return messageId ? ctx.store.messages.get(messageId) : undefined;
}

/** The "thinking…" message of a deferred response (type 5) not yet edited: a first follow-up edits it. */
function stillLoading(ctx: RouteContext, state: InteractionState): APIMessage | undefined {
  if (state.ack?.type !== 5 || !state.originalMessageId) return undefined;
  const original = ctx.store.messages.get(state.originalMessageId);
  return original && (original.flags ?? 0) & MessageFlags.Loading ? original : undefined;
}

function interactionCallback(req: RouteRequest, ctx: RouteContext): RouteReply {
  const state = ctx.store.interactions.get(req.params.id ?? '');
  if (!state || state.payload.token !== req.params.token || state.expired) {
    return discordError(404, 10062, 'Unknown interaction');
  }
  if (state.ack) return discordError(400, 40060, 'Interaction has already been acknowledged.');
  // Discord forgets an interaction that was not answered in time; the user sees "The application did not respond".
  if (Date.now() - state.dispatchedAt > ctx.limits.ackDeadlineMs) {
    state.missedDeadline = true;
    return discordError(404, 10062, 'Unknown interaction');
  }
  const type = Number(req.body?.type);
  const data = req.body?.data;
  const source = state.payload.message;
  // Each callback type fits some interactions only, and Discord checks what it carries.
  const refused =
    invalidCallbackType(state.payload.type, type, source !== undefined) ??
    (type === 8 ? invalidChoices(data?.choices) : undefined) ??
    (type === 4 || type === 7 ? invalidInteractionMessage(data, req, ctx, state) : undefined) ??
    (type === 4 ? emptyMessage(data, req.files) : undefined) ??
    (type === 7 && source
      ? emptiedByEdit(ctx.store.messages.get(source.id) ?? source, data, req.files)
      : undefined) ??
    (type === 5 ? invalidDeferFlags(data) : undefined) ??
    (type === 9 ? invalidModal(data) : undefined);
  if (refused) return refused;
  const channelId = state.payload.channel_id ?? ctx.world.channel.id;
  if (type === 4 || type === 5) {
    const channel = webhookChannel(ctx, state, 'post');
    if (channel && isRouteReply(channel)) return channel;
  }
  let message: APIMessage | undefined;
  switch (type) {
    case 4:
      message = ctx.store.createMessage(channelId, data, req.files, interactionMessageExtras(ctx, state));
      break;
    case 5: {
      const flags = MessageFlags.Loading | ((data?.flags ?? 0) & MessageFlags.Ephemeral);
      message = ctx.store.createMessage(channelId, { flags }, [], interactionMessageExtras(ctx, state));
      break;
    }
    case 6:
      message = source ? (ctx.store.messages.get(source.id) ?? source) : undefined;
      break;
    case 7:
      if (!source) return discordError(400, 50035, 'Invalid Form Body: UPDATE_MESSAGE needs a message');
      message = ctx.store.editMessage(ctx.store.messages.get(source.id) ?? source, data, req.files);
      break;
    case 1:
    case 8:
    case 9:
    case 12:
      break;
    default:
      return discordError(400, 50035, `Invalid Form Body: unknown interaction callback type ${type}`);
  }
  state.ack = { type, at: Date.now(), data };
  if (message) state.originalMessageId = message.id;
  if (req.query.with_response !== 'true') return noContent;
  return ok({
    interaction: {
      id: state.payload.id,
      type: state.payload.type,
      response_message_id: message?.id,
      response_message_loading: type === 5,
      response_message_ephemeral: Boolean((message?.flags ?? 0) & MessageFlags.Ephemeral),
    },
    resource: { type, ...(message ? { message } : {}) },
  });
}

/**
 * A message an interaction's token sends or edits: Discord's message rules, its files held to the interaction's
 * `attachment_size_limit` (the guild's upload limit, which boosts raise).
 */
function invalidInteractionMessage(
  body: JsonBody,
  req: RouteRequest,
  ctx: RouteContext,
  state: InteractionState,
  use: MessageUse = 'interaction',
): RouteReply | undefined {
  const limit = state.payload.attachment_size_limit ?? ctx.limits.uploadLimitBytes;
  return invalidMessageBody(body, req.files, ctx.limits, use, limit);
}

/** At most 25 choices, each with a name of 1–100 characters and a value of at most 100. */
function invalidChoices(choices: unknown): RouteReply | undefined {
  const ok =
    Array.isArray(choices) &&
    choices.length <= 25 &&
    choices.every(
      (c: { name?: unknown; value?: unknown }) =>
        typeof c?.name === 'string' &&
        c.name.length >= 1 &&
        c.name.length <= 100 &&
        (typeof c.value === 'number' || (typeof c.value === 'string' && c.value.length <= 100)),
    );
  return ok ? undefined : discordError(400, 50035, 'Invalid Form Body: data.choices');
}

function interactionMessageExtras(ctx: RouteContext, state: InteractionState): Partial<APIMessage> {
  const type =
    state.payload.type === InteractionType.ApplicationCommand
      ? MessageType.ChatInputCommand
      : MessageType.Default;
  return {
    webhook_id: ctx.world.applicationId,
    application_id: ctx.world.applicationId,
    type,
    interaction_metadata: interactionMetadata(ctx, state),
  };
}

/** Which interaction made a message (its reply or a follow-up), as Discord's messages say. */
function interactionMetadata(ctx: RouteContext, state: InteractionState): APIMessage['interaction_metadata'] {
  const { payload } = state;
  const user = payload.user ?? payload.member?.user ?? ctx.world.users.alice;
  return {
    id: payload.id,
    type: payload.type,
    user,
    authorizing_integration_owners: payload.authorizing_integration_owners ?? {},
  } as APIMessage['interaction_metadata'];
}

/**
 * A channel's latest messages (newest first, at most `limit`, default 50, up to 100), or those right after the id
 * `after`, as Discord lists them: ephemeral ones never, and none where the bot lacks Read Message History.
 */
function listMessages(req: RouteRequest, ctx: RouteContext): RouteReply {
  const channelId = req.params.channel ?? '';
  const state = ctx.store.channels.access(channelId);
  if (isRouteReply(state)) return state;
  if ((ctx.store.channels.denyOf(state) & PermissionFlagsBits.ReadMessageHistory) !== 0n) return ok([]);
  const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 50) || 50));
  const after = req.query.after ? BigInt(req.query.after) : undefined;
  const listed = [...ctx.store.messages.values()]
    .filter((m) => m.channel_id === channelId && ((m.flags ?? 0) & MessageFlags.Ephemeral) === 0)
    .filter((m) => after === undefined || BigInt(m.id) > after)
    .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  const page = after === undefined ? listed.slice(-limit) : listed.slice(0, limit);
  return ok(page.reverse().map((m) => ctx.store.seenByBot(m)));
}

function bulkOverwrite(target: APIApplicationCommand[], body: JsonBody, ctx: RouteContext, guildId?: string) {
  // Discord checks every command, in every locale, before it changes any.
  const invalid = invalidCommands(body);
  if (invalid) return invalid;
  const commands = body.map(
    (command: JsonBody) =>
      ({
        ...command,
        id: ctx.world.snowflake(),
        application_id: ctx.world.applicationId,
        version: ctx.world.snowflake(),
        type: command?.type ?? 1,
        ...(guildId ? { guild_id: guildId } : {}),
      }) as APIApplicationCommand,
  );
  target.splice(0, target.length, ...commands);
  return ok(commands);
}

/** Channel message bodies are checked against Discord's limits before the handler runs. */
function validated(handler: Handler, use: MessageUse): Handler {
  return (req, ctx) =>
    invalidMessageBody(req.body, req.files, ctx.limits, use) ??
    (use === 'post' ? emptyMessage(req.body, req.files) : undefined) ??
    handler(req, ctx);
}

const routeTable: Array<[string, string, Handler]> = [
  [
    'GET',
    '/gateway/bot',
    (_req, ctx) =>
      ok({
        url: ctx.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      }),
  ],
  ['GET', '/gateway', (_req, ctx) => ok({ url: ctx.gatewayUrl })],
  ['GET', '/users/@me', (_req, ctx) => ok(ctx.world.botUser)],
  [
    'GET',
    '/users/:user',
    (req, ctx) => {
      const user = [ctx.world.botUser, ...Object.values(ctx.world.users)].find(
        (u) => u.id === req.params.user,
      );
      return user ? ok(user) : discordError(404, 10013, 'Unknown User');
    },
  ],
  [
    'GET',
    '/applications/@me',
    (_req, ctx) =>
      ok({ id: ctx.world.applicationId, name: ctx.world.botUser.username, bot: ctx.world.botUser, flags: 0 }),
  ],
  [
    'POST',
    '/users/@me/channels',
    (req, ctx) => {
      const recipientId = String(req.body?.recipient_id ?? '');
      const recipient = Object.values(ctx.world.users).find((user) => user.id === recipientId);
      if (!recipient) return discordError(400, 50033, 'Invalid Recipient(s)');
      return ok({
        id: `${recipient.id}0`,
        type: ChannelType.DM,
        last_message_id: null,
        recipients: [recipient],
      });
    },
  ],
  ['POST', '/interactions/:id/:token/callback', interactionCallback],
  [
    'GET',
    '/webhooks/:app/:token/messages/:message',
    (req, ctx) => {
      const state = interactionByToken(ctx, req.params.app ?? '', req.params.token ?? '');
      if (isReply(state)) return state;
      const channel = webhookChannel(ctx, state, 'read');
      if (channel && isRouteReply(channel)) return channel;
      const message = webhookMessage(ctx, state, req.params.message ?? '');
      return message ? ok(message) : unknownMessage();
    },
  ],
  [
    'PATCH',
    '/webhooks/:app/:token/messages/:message',
    (req, ctx) => {
      const state = interactionByToken(ctx, req.params.app ?? '', req.params.token ?? '');
      if (isReply(state)) return state;
      const invalid = invalidInteractionMessage(req.body, req, ctx, state, 'edit');
      if (invalid) return invalid;
      const channel = webhookChannel(ctx, state, 'edit');
      if (channel && isRouteReply(channel)) return channel;
      const message = webhookMessage(ctx, state, req.params.message ?? '');
      if (!message) return unknownMessage();
      return (
        emptiedByEdit(message, req.body, req.files) ?? ok(ctx.store.editMessage(message, req.body, req.files))
      );
    },
  ],
  [
    'DELETE',
    '/webhooks/:app/:token/messages/:message',
    (req, ctx) => {
      const state = interactionByToken(ctx, req.params.app ?? '', req.params.token ?? '');
      if (isReply(state)) return state;
      const channel = webhookChannel(ctx, state, 'edit');
      if (channel && isRouteReply(channel)) return channel;
      const message = webhookMessage(ctx, state, req.params.message ?? '');
      if (!message) return unknownMessage();
      ctx.store.messages.delete(message.id);
      return noContent;
    },
  ],
  [
    'POST',
    '/webhooks/:app/:token',
    (req, ctx) => {
      const state = interactionByToken(ctx, req.params.app ?? '', req.params.token ?? '');
      if (isReply(state)) return state;
      const invalid =
        invalidInteractionMessage(req.body, req, ctx, state) ?? emptyMessage(req.body, req.files);
      if (invalid) return invalid;
      const channel = webhookChannel(ctx, state, 'post');
      if (channel && isRouteReply(channel)) return channel;
      const loading = stillLoading(ctx, state);
      if (loading) {
        // Discord, Create Followup Message: "When using this endpoint directly after responding to an interaction
        // with DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, this endpoint will function as Edit Original Interaction
        // Response [...] no new message will be created, and the loading message will be edited instead. The
        // ephemeral flag will be ignored" (discord-api-docs, developers/interactions/receiving-and-responding.mdx).
        // Only type 5 has a loading message: after a deferred update (6) a follow-up is a message of its own.
        const { flags: _ignored, ...body } = req.body ?? {};
        const edited = ctx.store.editMessage(loading, body, req.files);
        return req.query.wait === 'true' ? ok(edited) : noContent;
      }
      const channelId = state.payload.channel_id ?? ctx.world.channel.id;
      const message = ctx.store.createMessage(channelId, req.body, req.files, {
        webhook_id: ctx.world.applicationId,
        application_id: ctx.world.applicationId,
        interaction_metadata: interactionMetadata(ctx, state),
      });
      return req.query.wait === 'true' ? ok(message) : noContent;
    },
  ],
  [
    'POST',
    '/channels/:channel/messages',
    validated(
      (req, ctx) =>
        refusedPost(req, ctx) ??
        ok(ctx.store.seenByBot(ctx.store.postMessage(req.params.channel ?? '', req.body, req.files))),
      'post',
    ),
  ],
  [
    'GET',
    '/channels/:channel',
    (req, ctx) => {
      const state = ctx.store.channels.access(req.params.channel ?? '');
      return isRouteReply(state) ? state : ok(ctx.store.channels.payload(state));
    },
  ],
  ['GET', '/channels/:channel/messages', listMessages],
  [
    'GET',
    '/channels/:channel/messages/:message',
    inChannel((req, ctx) => {
      const message = channelMessage(ctx, req);
      return message ? ok(ctx.store.seenByBot(message)) : unknownMessage();
    }),
  ],
  [
    'PATCH',
    '/channels/:channel/messages/:message',
    validated(
      inChannel((req, ctx) => {
        const message = channelMessage(ctx, req);
        if (!message) return unknownMessage();
        if (message.author.id !== ctx.world.botUser.id) {
          return discordError(403, 50005, 'Cannot edit a message authored by another user');
        }
        return (
          emptiedByEdit(message, req.body, req.files) ??
          ok(ctx.store.editMessage(message, req.body, req.files))
        );
      }, 'edit'),
      'edit',
    ),
  ],
  [
    'DELETE',
    '/channels/:channel/messages/:message',
    inChannel((req, ctx) => {
      const message = channelMessage(ctx, req);
      if (!message) return unknownMessage();
      ctx.store.messages.delete(message.id);
      return noContent;
    }, 'edit'),
  ],
  ['POST', '/channels/:channel/typing', inChannel(() => noContent)],
  ['PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', inChannel(() => noContent, 'edit')],
  [
    'PUT',
    '/applications/:app/commands',
    (req, ctx) => bulkOverwrite(ctx.store.globalCommands, req.body, ctx),
  ],
  ['GET', '/applications/:app/commands', (_req, ctx) => ok(ctx.store.globalCommands)],
  [
    'DELETE',
    '/applications/:app/commands/:command',
    (req, ctx) => {
      const at = ctx.store.globalCommands.findIndex((c) => c.id === req.params.command);
      if (at < 0) return discordError(404, 10063, 'Unknown application command');
      ctx.store.globalCommands.splice(at, 1);
      return noContent;
    },
  ],
  [
    'PUT',
    '/applications/:app/guilds/:guild/commands',
    (req, ctx) => {
      const guildId = req.params.guild ?? '';
      // A guild the bot is not in (or one that removed it) answers as Discord does.
      if (!inGuild(ctx, guildId)) return missingAccess();
      const list = ctx.store.guildCommands.get(guildId) ?? [];
      ctx.store.guildCommands.set(guildId, list);
      return bulkOverwrite(list, req.body, ctx, guildId);
    },
  ],
  [
    'GET',
    '/applications/:app/guilds/:guild/commands',
    (req, ctx) =>
      inGuild(ctx, req.params.guild)
        ? ok(ctx.store.guildCommands.get(req.params.guild ?? '') ?? [])
        : missingAccess(),
  ],
  [
    'DELETE',
    '/applications/:app/guilds/:guild/commands/:command',
    (req, ctx) => {
      if (!inGuild(ctx, req.params.guild)) return missingAccess();
      const list = ctx.store.guildCommands.get(req.params.guild ?? '') ?? [];
      const at = list.findIndex((c) => c.id === req.params.command);
      if (at < 0) return discordError(404, 10063, 'Unknown application command');
      list.splice(at, 1);
      return noContent;
    },
  ],
  [
    'GET',
    '/guilds/:guild/members/:user',
    (req, ctx) => {
      const user = [ctx.world.botUser, ...Object.values(ctx.world.users)].find(
        (u) => u.id === req.params.user,
      );
      if (!inGuild(ctx, req.params.guild)) return missingAccess();
      if (!user) return discordError(404, 10007, 'Unknown Member');
      return ok({
        user,
        roles: [],
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      });
    },
  ],
];

const routes: Route[] = routeTable.map(([method, template, handle]) => ({
  method,
  template,
  segments: template.split('/').slice(1),
  handle,
}));

export interface MatchedRoute {
  route: string;
  params: Record<string, string>;
  handle?: Handler;
}

/** Matches a decoded API path (after `/api/v10`) to a route template; unknown paths keep their own path. */
export function matchRoute(method: string, segments: string[]): MatchedRoute {
  for (const route of routes) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = route.segments.every((part, index) => {
      const actual = segments[index] ?? '';
      if (part.startsWith(':')) {
        params[part.slice(1)] = actual;
        return actual.length > 0;
      }
      return part === actual;
    });
    if (matched) return { route: `${method} ${route.template}`, params, handle: route.handle };
  }
  return { route: `${method} /${segments.join('/')}`, params: {} };
}
