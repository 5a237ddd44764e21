// A platform-neutral Reply as Telegram message parts: text (≤ 4096), a caption (≤ 1024) and an inline keyboard whose
// rows are split where Telegram would cut their labels. An answer longer than one message (a /help, a long /queue)
// is sent as several (`textParts`).
import { InlineKeyboard } from 'grammy';
import { type Reply, shortText } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';
import { replyParts } from '../shared/reply-parts.js';
import { splitRow } from './keyboard-rows.js';

/** Telegram's longest message text, in UTF-16 units after entity parsing. */
export const TEXT_LIMIT = 4096;

/**
 * A text reply too long for one message, as the messages to send in order, split between its lines (`replyParts`).
 * The bot sends plain text (no parse_mode): what Telegram counts after entity parsing is the text itself.
 */
export function textParts(reply: Reply, locale: Locale, limit = TEXT_LIMIT): [Reply, ...Reply[]] {
  return replyParts(reply, limit, (line) => t(locale, line.key, line.params ?? {}).length);
}

export function replyText(reply: Reply, locale: Locale, limit = TEXT_LIMIT): string {
  const text = reply.text.map((line) => t(locale, line.key, line.params ?? {})).join('\n') || '…';
  // Cut between whole characters: half an emoji is invalid UTF-16, which Telegram refuses outright.
  return shortText(text, limit);
}

export function keyboard(reply: Reply, locale: Locale): InlineKeyboard | undefined {
  if (!reply.buttons || reply.buttons.length === 0) return undefined;
  const kb = new InlineKeyboard();
  const rows = reply.buttons.flatMap((row) =>
    splitRow(
      row.map((b) => ({ label: t(locale, b.labelKey, b.params), id: b.id })),
      (b) => b.label,
    ),
  );
  rows.forEach((row, i) => {
    if (i > 0) kb.row();
    for (const b of row) kb.text(b.label, b.id);
  });
  return kb;
}
