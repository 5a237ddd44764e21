// Whether a message in a chat is meant for the bot. A message that opens with a bot command (Telegram marks it with a
// `bot_command` entity) that is none of ours, `/imagine@OtherBot` or another bot's `/stats`, belongs to someone
// else even when it replies to our result: it is never taken as an instruction. A mention names the bot however its
// name is cased: Telegram usernames are case-insensitive, and people type them by hand.
import type { Message } from 'grammy/types';

/** The message's text or caption opens with a bot command (ours or not). */
export function opensWithCommand(message: Pick<Message, 'entities' | 'caption_entities'>): boolean {
  return [...(message.entities ?? []), ...(message.caption_entities ?? [])].some(
    (e) => e.type === 'bot_command' && e.offset === 0,
  );
}

function mentionOf(username: string): RegExp {
  // Usernames are letters, digits and underscores: nothing to escape. Not a prefix of a longer name.
  return new RegExp(`@${username}(?![A-Za-z0-9_])`, 'i');
}

export function mentions(text: string, username: string): boolean {
  return mentionOf(username).test(text);
}

/** The text without its (first) mention of the bot. */
export function withoutMention(text: string, username: string): string {
  return text.replace(mentionOf(username), '').trim();
}

/**
 * The text a command of the bot's may open, past a mention that opens it: `@bot /imagine a fox` (typed in a group
 * to make sure the bot hears it) is `/imagine a fox`. Other texts are as they are.
 */
export function pastMention(text: string, username: string): string {
  const opening = new RegExp(`^\\s*@${username}(?![A-Za-z0-9_])[\\s,:]*(?=/)`, 'i');
  return text.replace(opening, '');
}
