import type { APIApplicationCommand, APIAttachment, APIInteraction, APIMessage } from 'discord.js';
import { MessageFlags, MessageType } from 'discord.js';
import type { UploadedFile } from '../shared/multipart.js';
import type { DiscordWorld } from './builders.js';
import { ChannelDirectory } from './channels.js';

export type { ChannelState } from './channels.js';

export interface CdnFile {
  bytes: Buffer;
  contentType: string;
}

/** What the fake remembers about one dispatched interaction, for lifecycle assertions (ack deadline, token). */
export interface InteractionState {
  payload: APIInteraction;
  /** When Discord created it (the dispatch, unless sent late): the ack deadline and the token's life count from it. */
  dispatchedAt: number;
  /** Set by the first callback: its type (4, 5, 6, 7, 9 …) and when it arrived. */
  ack?: { type: number; at: number; data: unknown };
  originalMessageId?: string;
  /** After `expireInteraction`, webhook calls fail as they do once the 15-minute token is gone. */
  expired: boolean;
  /** Set when a callback came after the ack deadline and was refused with 10062. */
  missedDeadline?: boolean;
}

export interface RegisterAttachmentSpec {
  filename: string;
  bytes: Buffer | Uint8Array;
  contentType?: string;
  width?: number;
  height?: number;
  /** Declared size, to present an attachment that claims to be larger than it is. Defaults to bytes.length. */
  size?: number;
  channelId?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: message bodies come from the wire as JSON of many shapes
export type JsonBody = any;

/** Messages, attachments, interactions and commands the fake knows, so later requests get consistent answers. */
/** How long Discord remembers a message nonce ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;

export class DiscordStore {
  readonly messages = new Map<string, APIMessage>();
  readonly cdn = new Map<string, CdnFile>();
  readonly interactions = new Map<string, InteractionState>();
  readonly globalCommands: APIApplicationCommand[] = [];
  readonly guildCommands = new Map<string, APIApplicationCommand[]>();
  readonly channels: ChannelDirectory;
  /** Nonces of the bot's messages per channel, for `enforce_nonce`: the message each created, and when. */
  readonly #nonces = new Map<string, { messageId: string; at: number }>();

  constructor(
    private readonly world: DiscordWorld,
    private readonly baseUrl: () => string,
    /** The app holds the privileged Message Content intent: every message reaches it whole. */
    private readonly messageContent = false,
  ) {
    this.channels = new ChannelDirectory(world);
  }

  /**
   * A message as the bot gets it, over the gateway and REST alike. Without the Message Content intent Discord
   * empties the content, attachments, embeds and components of a server message by someone else that does not
   * mention the bot (DMs and the bot's own messages come whole; so does a message menu's target, in the
   * interaction's resolved data, which the builders put there as given).
   */
  seenByBot<T extends APIMessage>(message: T): T {
    const referenced = message.referenced_message
      ? { referenced_message: this.seenByBot(message.referenced_message) }
      : {};
    if (this.messageContent || !this.hidesContent(message)) return { ...message, ...referenced };
    return { ...message, ...referenced, content: '', attachments: [], embeds: [], components: [] };
  }

  private hidesContent(message: APIMessage): boolean {
    const bot = this.world.botUser.id;
    const inGuild = 'guild_id' in message && typeof message.guild_id === 'string';
    // Hostile gateway payloads may carry null authors and mentions.
    const author: { id?: string } | null = message.author;
    const mentions: Array<{ id: string }> | null = message.mentions;
    return inGuild && author?.id !== bot && !(mentions ?? []).some((user) => user.id === bot);
  }

  registerAttachment(spec: RegisterAttachmentSpec): APIAttachment {
    const id = this.world.snowflake();
    const bytes = Buffer.from(spec.bytes);
    const folder = `/attachments/${spec.channelId ?? this.world.channel.id}/${id}/`;
    const contentType = spec.contentType ?? guessContentType(spec.filename);
    // Keyed by the decoded path, which is what the server sees after decoding the request URL.
    this.cdn.set(folder + spec.filename, { bytes, contentType });
    // Real CDN links are signed and expire; the query keeps adapters from assuming a bare path.
    const url = `${this.baseUrl()}${folder}${encodeURIComponent(spec.filename)}?ex=${Math.floor(Date.now() / 1000 + 86400).toString(16)}&is=0&hm=fake`;
    return {
      id,
      filename: spec.filename,
      size: spec.size ?? bytes.length,
      url,
      proxy_url: url,
      content_type: contentType,
      ...(spec.width !== undefined ? { width: spec.width, height: spec.height ?? spec.width } : {}),
    };
  }

  /** Applies Discord's attachment rules: listed existing ids are kept, `{id: n}` refers to `files[n]`. */
  resolveAttachments(
    existing: APIAttachment[],
    listed: Array<{ id: string | number; filename?: string; description?: string }> | undefined,
    files: UploadedFile[],
    channelId: string,
  ): APIAttachment[] {
    const uploaded = (file: UploadedFile, meta?: { filename?: string; description?: string }) => ({
      ...this.registerAttachment({
        filename: meta?.filename ?? file.filename,
        bytes: file.bytes,
        contentType: file.contentType === 'application/octet-stream' ? undefined : file.contentType,
        channelId,
      }),
      ...(meta?.description ? { description: meta.description } : {}),
    });
    const fileByIndex = new Map(files.map((file) => [fileIndex(file.field), file] as const));
    if (!listed) return [...existing, ...files.map((file) => uploaded(file))];
    const result: APIAttachment[] = [];
    const used = new Set<UploadedFile>();
    for (const entry of listed) {
      const old = existing.find((attachment) => attachment.id === String(entry.id));
      if (old) {
        result.push(old);
        continue;
      }
      const file = fileByIndex.get(String(entry.id));
      if (file) {
        used.add(file);
        result.push(uploaded(file, entry));
      }
    }
    for (const file of files) if (!used.has(file)) result.push(uploaded(file));
    return result;
  }

  /**
   * As Discord does: a post with `enforce_nonce` whose nonce the bot used in that channel within the last few
   * minutes creates nothing and gets the message that nonce created.
   */
  postMessage(channelId: string, body: JsonBody, files: UploadedFile[]): APIMessage {
    const nonce = body?.nonce === undefined ? undefined : `${channelId}:${String(body.nonce)}`;
    if (nonce && body?.enforce_nonce === true) {
      const seen = this.#nonces.get(nonce);
      const earlier =
        seen && Date.now() - seen.at < NONCE_WINDOW_MS ? this.messages.get(seen.messageId) : undefined;
      if (earlier) return earlier;
    }
    const message = this.createMessage(channelId, body, files, nonce ? { nonce: body?.nonce } : {});
    if (nonce) this.#nonces.set(nonce, { messageId: message.id, at: Date.now() });
    return message;
  }

  createMessage(channelId: string, body: JsonBody, files: UploadedFile[], extra: Partial<APIMessage> = {}) {
    const referenced = body?.message_reference?.message_id
      ? this.messages.get(String(body.message_reference.message_id))
      : undefined;
    const message: APIMessage = {
      id: this.world.snowflake(),
      channel_id: channelId,
      author: this.world.botUser,
      content: typeof body?.content === 'string' ? body.content : '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: this.resolveAttachments([], body?.attachments, files, channelId),
      embeds: Array.isArray(body?.embeds) ? body.embeds : [],
      pinned: false,
      type: referenced ? MessageType.Reply : MessageType.Default,
      flags: typeof body?.flags === 'number' ? body.flags : 0,
      components: Array.isArray(body?.components) ? body.components : [],
      ...(body?.message_reference ? { message_reference: body.message_reference } : {}),
      ...(referenced ? { referenced_message: referenced } : {}),
      ...extra,
    };
    this.messages.set(message.id, message);
    return message;
  }

  editMessage(message: APIMessage, body: JsonBody, files: UploadedFile[]): APIMessage {
    const edited: APIMessage = {
      ...message,
      edited_timestamp: new Date().toISOString(),
      ...(typeof body?.content === 'string' || body?.content === null ? { content: body.content ?? '' } : {}),
      ...(Array.isArray(body?.embeds) ? { embeds: body.embeds } : {}),
      ...(Array.isArray(body?.components) ? { components: body.components } : {}),
      ...(typeof body?.flags === 'number' ? { flags: body.flags } : {}),
      attachments:
        body?.attachments !== undefined || files.length > 0
          ? this.resolveAttachments(message.attachments, body?.attachments, files, message.channel_id)
          : message.attachments,
    };
    // Editing a deferred ("thinking…") response resolves the loading state.
    if (edited.flags !== undefined) edited.flags &= ~MessageFlags.Loading;
    this.messages.set(edited.id, edited);
    return edited;
  }
}

function fileIndex(field: string): string {
  return /^files\[(\d+)\]$/.exec(field)?.[1] ?? field;
}

function guessContentType(filename: string): string {
  const ext = filename.toLowerCase().split('.').pop();
  switch (ext) {
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'webp':
      return 'image/webp';
    case 'gif':
      return 'image/gif';
    case 'txt':
      return 'text/plain; charset=utf-8';
    default:
      return 'application/octet-stream';
  }
}
