// The identity a Telegram message speaks for (senders.ts says why): its chat's when it was sent on behalf of one
// (`sender_chat`: an anonymous admin, a channel), else its author's; none when it has neither.
import type { Message } from 'grammy/types';

export function senderIdOf(message: Message | undefined): string | undefined {
  const id = message?.sender_chat?.id ?? message?.from?.id;
  return id === undefined ? undefined : String(id);
}
