// A platform-neutral Reply as Telegram message parts: text (≤ 4096), a caption (≤ 1024) and an inline keyboard whose
// rows are split where Telegram would cut their labels.
import { InlineKeyboard } from 'grammy';
import { type Reply, shortText } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';
import { splitRow } from './keyboard-rows.js';

export function replyText(reply: Reply, locale: Locale, limit = 4096): string {
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
