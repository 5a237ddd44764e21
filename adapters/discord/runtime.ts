// What the Discord adapter's handlers (slash commands, message menus, mentions, answers) share of the bot: its
// client, the commands, its job messages, and how it reads an event's origin and attachments.
import type { Attachment, Client, Message } from 'discord.js';
import type { CommandContext, Commands, InputImage, Reply } from '../../commands/index.js';
import type { Logger } from '../../src/log.js';
import type { DiscordJobMessages } from './job-messages.js';
import type { LaterParts } from './list-parts.js';
import type { MenuTargets } from './menu-targets.js';

/** Where an event came from and who sent it, as far as the adapter's decisions need. */
export interface Origin {
  user: { id: string };
  guildId: string | null;
  locale: string | null;
  channelId: string | null;
  /** The member's role ids in that guild (empty in DMs). */
  roles: readonly string[];
  /** The per-file upload limit there (`attachment_size_limit` on interactions). */
  uploadLimit: number;
}

export interface DiscordRuntime {
  readonly client: Client;
  readonly commands: Commands;
  readonly jobMessages: DiscordJobMessages;
  /** The images message menus brought, for the pick or modal that follows. */
  readonly menuTargets: MenuTargets;
  /** The later parts of answers longer than a message, for a list put in place of its first (list-parts.ts). */
  readonly laterParts: LaterParts;
  readonly log: Logger;
  context(origin: Origin): CommandContext;
  /** The guild is on the allowlist (or there is none). */
  allowed(guildId: string | null): boolean;
  dmsRefused(guildId: string | null): boolean;
  /** Downloads an attachment at once (signed links expire). */
  image(attachment: Attachment | null | undefined): Promise<InputImage | undefined>;
  fetchMessage(channelId: string | null, messageId: string): Promise<Message | undefined>;
  /** Any failure as one localized reply. */
  errorReply(error: unknown): Reply;
}
