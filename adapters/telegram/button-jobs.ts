// Where a job started from a button (Re-roll, Vary, Upscale…) answers. The pressed message is the bot's own result,
// and a reply to it notifies nobody: in a group the presser would never hear of their job. There the job's status
// message and result reply to the presser's own request when it is known (the parent job's stored place names its
// sender, or the pressed result replies to it); else they stay under the result and the first status message names
// the presser with a text_mention, which notifies them without a username. A private chat has one user, who hears
// of every message: there the job stays under the result, as always.
import type { Message, MessageEntity, User } from 'grammy/types';
import { parseButtonId } from '../../commands/index.js';
import type { TelegramPlace } from './job-messages.js';

/** The message a job's messages reply to, and who is named in its first status message. */
export interface JobAnchor {
  replyTo?: number;
  /** Who sent `replyTo`, when it is a user's request. */
  requester?: number;
  mention?: User;
}

export interface Press {
  chatId: number;
  group: boolean;
  /** The pressed button's callback data (its action and the parent job). */
  data: string;
  /** The message the button is on, when Telegram still gives it. */
  pressed?: Message;
  presser: User;
}

export function anchorOfPress(
  { chatId, group, data, pressed, presser }: Press,
  placeOf: (jobId: string) => TelegramPlace | undefined,
): JobAnchor {
  const underResult = { replyTo: pressed?.message_id };
  if (!group) return underResult;
  const parent = parseButtonId(data)?.jobId;
  const place = parent === undefined ? undefined : placeOf(parent);
  if (place?.chatId === chatId && place.requester === presser.id)
    return { replyTo: place.replyTo, requester: presser.id };
  // Records from before the sender was stored, and results without one (a grid's pick): the result replies to the
  // request it answers. In a topic a message that replies to nothing "replies" to the topic's creation.
  const request = pressed?.reply_to_message;
  if (request && request.from?.id === presser.id && !request.forum_topic_created)
    return { replyTo: request.message_id, requester: presser.id };
  return { ...underResult, mention: presser };
}

/** The prefix naming `user` ("Name: ") and its entity; nothing without a user. */
export function mentionOf(user: User | undefined): { prefix: string; entities?: MessageEntity[] } {
  if (!user) return { prefix: '' };
  const name = user.first_name;
  return {
    prefix: `${name}: `,
    entities: [{ type: 'text_mention', offset: 0, length: name.length, user }],
  };
}
