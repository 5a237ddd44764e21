// Groups upgraded to supergroups. Turning on topics, making a group public or growing it past its limits moves its
// chat to a new id, and Telegram then refuses every call naming the old one with 400 "group chat was upgraded to a
// supergroup chat" and the new id (`migrate_to_chat_id`). A job asked for before the upgrade still holds the old
// id: its result, its chat action and anything said later go to the new chat, and every later send naming the old
// chat goes there at once: after a restart too, every group's upgrade being kept in the store, allowlisted or not
// (`commands.chatMoved`, told by chat-moves.ts of the service messages and here of a refusal naming the new id; asked
// back through `commands.movedTo`). Such a send replies to nothing: the message it replied to stays in the old
// chat's history, and its id means nothing in the new one.
// Edits and deletions of the old chat's messages are refused for good: the status message is gone for the job
// (status-message.ts), whose ending is then sent anew.
import type { Transformer } from 'grammy';
import type { Commands } from '../../commands/index.js';

/** Telegram's description of a call naming an upgraded group. */
export const UPGRADED = /group chat was upgraded to a supergroup chat/i;

/** How many upgraded groups are remembered: few ever are. */
const KEPT = 1000;

/**
 * `known`: where the store says a chat went (`commands.movedTo`), asked for a send naming a chat not followed in this
 * run, so that a send naming an old id is never refused first after a restart; told of a move learned from a refusal
 * (the service messages may both have been missed).
 */
export function followUpgrades(known?: Pick<Commands, 'movedTo' | 'chatMoved'>): Transformer {
  const moved = new Map<number, number>();
  const follow = (from: number, to: number) => {
    moved.set(from, to);
    if (moved.size > KEPT) moved.delete(moved.keys().next().value as number);
  };
  // The store's answer is the chat's last id: a group's supergroup may itself have moved on since.
  const stored = (chatId: number) => {
    const to = Number(known?.movedTo('telegram', String(chatId)) ?? Number.NaN);
    if (!Number.isSafeInteger(to) || to === chatId) return undefined;
    follow(chatId, to);
    return to;
  };
  const send = (method: string) => method.startsWith('send');
  return async (prev, method, payload, signal) => {
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    const to = typeof chatId === 'number' && send(method) ? (moved.get(chatId) ?? stored(chatId)) : undefined;
    if (to !== undefined) return prev(method, elsewhere(payload, to), signal);
    const answer = await prev(method, payload, signal);
    const went = answer.ok ? undefined : answer.parameters?.migrate_to_chat_id;
    if (typeof chatId !== 'number' || went === undefined) return answer;
    follow(chatId, went);
    known?.chatMoved('telegram', String(chatId), String(went));
    return send(method) ? prev(method, elsewhere(payload, went), signal) : answer;
  };
}

/** The same send to the new chat, replying to nothing. */
function elsewhere<P>(payload: P, chatId: number): P {
  const { reply_parameters: _reply, reply_to_message_id: _to, ...rest } = payload as Record<string, unknown>;
  return { ...rest, chat_id: chatId } as P;
}
