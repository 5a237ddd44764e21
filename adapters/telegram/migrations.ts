// Groups upgraded to supergroups. Turning on topics, making a group public or growing it past its limits moves its
// chat to a new id, and Telegram then refuses every call naming the old one with 400 "group chat was upgraded to a
// supergroup chat" and the new id (`migrate_to_chat_id`). A job asked for before the upgrade still holds the old
// id: its result, its chat action and anything said later go to the new chat, and every later send naming the old
// chat goes there at once (after a restart too, for the upgrades the allowlist's file remembers). Such a send replies
// to nothing: the message it replied to stays in the old chat's history, and its id means nothing in the new one.
// Edits and deletions of the old chat's messages are refused for good: the status message is gone for the job
// (status-message.ts), whose ending is then sent anew.
import type { Transformer } from 'grammy';

/** Telegram's description of a call naming an upgraded group. */
export const UPGRADED = /group chat was upgraded to a supergroup chat/i;

/** How many upgraded groups are remembered: few ever are. */
const KEPT = 1000;

/** `known`: upgrades followed before (allowed-chats.ts), so that a send naming an old id is never refused first. */
export function followUpgrades(known: ReadonlyMap<number, number> = new Map()): Transformer {
  const moved = new Map<number, number>();
  // To the last id of each: a group's supergroup may itself have moved on since.
  for (const [from, to] of known) {
    let last = to;
    for (let hops = 0; known.has(last) && hops < known.size; hops++) last = known.get(last) as number;
    moved.set(from, last);
  }
  const send = (method: string) => method.startsWith('send');
  return async (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    const known = typeof chatId === 'number' && send(method) ? moved.get(chatId) : undefined;
    if (known !== undefined) return prev(method, elsewhere(payload, known), signal);
    const answer = await prev(method, payload, signal);
    const to = answer.ok ? undefined : answer.parameters?.migrate_to_chat_id;
    if (typeof chatId !== 'number' || to === undefined) return answer;
    moved.set(chatId, to);
    if (moved.size > KEPT) moved.delete(moved.keys().next().value as number);
    return send(method) ? prev(method, elsewhere(payload, to), signal) : answer;
  };
}

/** The same send to the new chat, replying to nothing. */
function elsewhere<P>(payload: P, chatId: number): P {
  const { reply_parameters: _reply, reply_to_message_id: _to, ...rest } = payload as Record<string, unknown>;
  return { ...rest, chat_id: chatId } as P;
}
