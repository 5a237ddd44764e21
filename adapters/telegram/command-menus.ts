// Registers Telegram's command menus: everyone's in each language (the default scope), and each Telegram admin's own
// in their private chat (scope `chat`), which lists the admin-only commands (/block, /unblock) too. Telegram shows a
// chat's menu over the default one, so an admin's has every language everyone's has. A refused menu is logged; the
// bot serves without it.
import type { Api } from 'grammy';
import type { LanguageCode } from 'grammy/types';
import type { CommandSpec } from '../../commands/index.js';
import { type Locale, PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../src/i18n.js';
import type { Logger } from '../../src/log.js';
import { toTelegramCommands } from './command-list.js';
import { cannotWriteTo } from './send-privately.js';

type MenuLog = Pick<Logger, 'info' | 'warn'>;

/** The languages a menu is registered in: each locale's Telegram code; none (every other language) for English. */
function menuLanguages(): Array<{ locale: Locale; language?: { language_code: LanguageCode } }> {
  return SUPPORTED_LOCALES.map((locale) => {
    // PLATFORM_TAGS holds Telegram's ISO 639-1 codes; src/ cannot name grammY's type for them.
    const code = PLATFORM_TAGS[locale].telegram as LanguageCode | undefined;
    return code ? { locale, language: { language_code: code } } : { locale };
  });
}

export async function registerSharedMenus(
  api: Api,
  specs: readonly CommandSpec[],
  log: MenuLog,
): Promise<void> {
  for (const { locale, language } of menuLanguages()) {
    await api
      .setMyCommands(toTelegramCommands(locale, specs), language ?? {})
      .catch((error: unknown) => log.warn({ err: error }, 'setMyCommands failed'));
  }
}

/** The Telegram user ids among ADMIN_IDS (`telegram:<id>`; the others are another platform's). */
export function telegramAdminIds(adminIds: readonly string[]): number[] {
  return adminIds.flatMap((id) => {
    const match = /^telegram:(\d+)$/.exec(id);
    return match ? [Number(match[1])] : [];
  });
}

/**
 * Each admin's menu, one call at a time (in the background of start-up: it waits for nothing), until `signal`
 * aborts (the bot stops; the call in flight ends within stopping's bounded wait). An admin who never started the
 * bot has no private chat (400 "chat not found"; 403 once they blocked it): said once, their other languages
 * skipped; the next start after they write to the bot gives them the menu.
 */
export async function registerAdminMenus(
  api: Api,
  specs: readonly CommandSpec[],
  adminIds: readonly string[],
  log: MenuLog,
  signal?: AbortSignal,
): Promise<void> {
  for (const chatId of telegramAdminIds(adminIds)) {
    for (const { locale, language } of menuLanguages()) {
      if (signal?.aborted) return;
      const scope = { scope: { type: 'chat' as const, chat_id: chatId }, ...language };
      try {
        await api.setMyCommands(toTelegramCommands(locale, specs, true), scope);
      } catch (error) {
        if (cannotWriteTo(error)) {
          log.info(
            { admin: chatId },
            'telegram admin menu not set: the admin has no private chat with the bot',
          );
          break;
        }
        log.warn({ err: error, admin: chatId, ...language }, 'setMyCommands failed for an admin');
      }
    }
  }
}
