// The typed context every operation receives: who asks, where, in which language, with their stored defaults.
// Adapters make one per incoming event with `commands.context()`.
import { type Locale, matchLocale } from '../src/i18n.js';
import { type Owner, ownerKey, type Scope } from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import type { Reply } from './reply.js';
import type { UserSettings } from './settings.js';

/** Who asks, where, in which language, with their stored defaults; `meta` is the adapter's own (message ids). */
export interface CommandContext {
  user: Owner;
  scope: Scope;
  locale: Locale;
  settings: UserSettings;
  isAdmin: boolean;
  meta: Record<string, unknown>;
  /** The per-minute limit does not apply (`ContextInput.ownMachine`); the queue's caps still do. */
  rateExempt?: boolean;
  /** `ContextInput.repliedUser`: a user option left empty names them (Telegram's `/block` as a reply). */
  repliedUser?: string;
  /**
   * Users (ids on the asker's platform) this event names whom the platform vouches for as admins beyond ADMIN_IDS
   * (a Discord member picked in a USER option who holds an admin role in this guild).
   */
  namedAdmins?: readonly string[];
}

export interface ContextInput {
  user: Owner;
  scope: Scope;
  /** The platform's language tag (Discord `locale`, Telegram `language_code`, a browser's Accept-Language). */
  language?: string | null;
  meta?: Record<string, unknown>;
  /**
   * The platform vouches for admin rights beyond ADMIN_IDS (a Discord member holding an admin role): the same
   * powers, for this event only.
   */
  admin?: boolean;
  /**
   * Only the machine's own user can reach the platform (the playground bound to loopback, without an access token):
   * a per-minute limit there guards no one from anyone, and only gets in the way of pressing buttons in a row.
   */
  ownMachine?: boolean;
  /**
   * The author (a user id on the same platform) of the message this event's message replies to, where a reply
   * names a user (Telegram); absent otherwise.
   */
  repliedUser?: string;
}

/**
 * An option as the user named it, for a refusal to say: the flag a typed line set it with (`--pan`), the name a
 * platform's options form showed (Discord's for the client's locale), else its registered name.
 */
export type OptionLabel = (option: string) => string;

/**
 * The labels of one command call (`CommandCall.labels`), handed down with it rather than kept on its context: one
 * context may serve calls that overlap, and each names its own options.
 */
export function optionLabels(labels: Readonly<Record<string, string>> | undefined): OptionLabel {
  return (option) => (labels && Object.hasOwn(labels, option) ? (labels[option] as string) : option);
}

/** One operation of the commands layer; it may throw, the facade's error boundary turns that into a reply. */
export type Operation<I> = (deps: CommandDeps, ctx: CommandContext, input: I) => Promise<Reply>;

/** Locale order as grammY's i18n: the user's stored choice, then the platform's tag, then the default. */
export function makeContext(
  deps: Pick<CommandDeps, 'store' | 'queue' | 'config'>,
  { user, scope, language, meta = {}, admin = false, ownMachine = false, repliedUser }: ContextInput,
): CommandContext {
  const settings = deps.store.settings<UserSettings>(ownerKey(user)) ?? {};
  const locale = settings.language ?? matchLocale(language) ?? deps.config.defaultLocale;
  return {
    user,
    scope,
    locale,
    settings,
    isAdmin: admin || deps.queue.isAdmin(user),
    meta,
    ...(ownMachine ? { rateExempt: true } : {}),
    ...(repliedUser ? { repliedUser } : {}),
  };
}
