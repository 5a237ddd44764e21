// Gateway events with null where discord.js expects an object or a list (`components`, `activity`, `member`,
// `author`, …) make its parsers throw inside the WebSocket layer, where no handler of ours can catch it, and the
// event (a user's mention) is lost. Discord documents these fields as optional, never null: a null is read as
// absent before discord.js parses the packet, and an event that names no user at all is dropped with a log line.
import type { Client } from 'discord.js';

/** Fields discord.js dereferences once present (`'x' in data`), on messages and interactions. */
const NULLABLE_FIELDS = [
  'activity',
  'application',
  'attachments',
  'author',
  'components',
  'embeds',
  'interaction',
  'interaction_metadata',
  'member',
  'mention_roles',
  'mentions',
  'message_reference',
  'poll',
  'reactions',
  'resolved',
  'sticker_items',
  'stickers',
  'thread',
  'user',
] as const;

const GUARDED = new Set(['MESSAGE_CREATE', 'MESSAGE_UPDATE', 'INTERACTION_CREATE']);

interface Packet {
  t?: string | null;
  d?: unknown;
}

/** The packet as discord.js can parse it, or undefined when it cannot be handled at all. */
export function guardPacket(packet: Packet | undefined): Packet | undefined {
  if (!packet?.t || !GUARDED.has(packet.t)) return packet;
  if (typeof packet.d !== 'object' || packet.d === null) return undefined;
  const data = { ...(packet.d as Record<string, unknown>) };
  for (const field of NULLABLE_FIELDS) if (data[field] === null) delete data[field];
  const member = data.member as { user?: unknown } | undefined;
  if (packet.t === 'INTERACTION_CREATE' && !data.user && !member?.user) return undefined;
  if (packet.t === 'INTERACTION_CREATE' && (typeof data.id !== 'string' || typeof data.token !== 'string'))
    return undefined;
  return { ...packet, d: data };
}

type PacketHandler = (packet: Packet | undefined, shard: unknown) => boolean;

/** Puts `guardPacket` in front of discord.js's packet handling (checked: the method must exist). */
export function guardGateway(client: Client, onDropped: (event: string) => void): void {
  // handlePacket is internal to discord.js (not in its typings): read and replaced by name, checked first.
  const ws: object = client.ws;
  const found: unknown = Reflect.get(ws, 'handlePacket');
  if (typeof found !== 'function')
    throw new Error('this discord.js version has no WebSocketManager.handlePacket to guard');
  const original = (packet: Packet | undefined, shard: unknown): boolean =>
    Reflect.apply(found, ws, [packet, shard]);
  const guarded: PacketHandler = (packet, shard) => {
    const checked = guardPacket(packet);
    if (packet && !checked) {
      onDropped(String(packet.t));
      return true;
    }
    return original(checked, shard);
  };
  Reflect.set(ws, 'handlePacket', guarded);
}
