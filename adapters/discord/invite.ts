// The URL an operator opens to add the bot to a server. The bot knows its application id once logged in, so the URL
// is logged at start, ready to copy, instead of being put together by hand from the Developer Portal. It asks for
// what the bot uses and nothing more: README.md's Discord set-up names the same scopes and permissions.
import { PermissionFlagsBits } from 'discord.js';

/** Slash commands and message menus (`applications.commands`), and a bot user that reads mentions and posts. */
export const INVITE_SCOPES = ['bot', 'applications.commands'] as const;

/**
 * See the channel, post there and in its threads, upload results, and read the history (a reply to a mention, the
 * message a mention replies to). No Embed Links: the bot sends no embeds, and a result is an attachment, shown
 * without it. `mentions.ts` checks the same before it takes a mention.
 */
export const INVITE_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.ReadMessageHistory;

/** The invite URL of the application `applicationId` with the scopes and permissions above. */
export function inviteUrl(applicationId: string): string {
  const query = [
    `client_id=${encodeURIComponent(applicationId)}`,
    `scope=${encodeURIComponent(INVITE_SCOPES.join(' '))}`,
    `permissions=${INVITE_PERMISSIONS}`,
  ].join('&');
  return `https://discord.com/oauth2/authorize?${query}`;
}
