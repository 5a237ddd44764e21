// A platform-neutral Reply as Telegram message parts: text (≤ 4096), a caption (≤ 1024) and an inline keyboard whose
// rows are split where Telegram would cut their labels. An answer longer than one message (a /help, a long /queue,
// a job's first reply, a caption) is sent as several (`textParts`), a line longer than a message in pieces, as
// Telegram's own apps send a long text.
import { InlineKeyboard } from 'grammy';
import { type Reply, type ReplyText, shortText } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';
import { PIECE_KEY, replyParts } from '../shared/reply-parts.js';
import { splitRow } from './keyboard-rows.js';

/** Telegram's longest message text, in UTF-16 units after entity parsing. */
export const TEXT_LIMIT = 4096;
/** Telegram's longest caption of a photo or document. */
export const CAPTION_LIMIT = 1024;

/**
 * A reply too long for one message, as the messages to send in order, split between its lines (`replyParts`), each
 * within `limit`; the first within `first` (a caption's 1024). The bot sends plain text (no parse_mode): what
 * Telegram counts after entity parsing is the text itself.
 */
export function textParts(
  reply: Reply,
  locale: Locale,
  limit = TEXT_LIMIT,
  first = limit,
): [Reply, ...Reply[]] {
  const render = (line: ReplyText) => t(locale, line.key, line.params ?? {});
  return replyParts(reply, limit, (line) => render(line).length, { first, render });
}

/** How much of a first line too long for a caption the caption shows: a glimpse, the line is whole just below. */
const LEAD_CHARS = 200;

/**
 * A reply under a photo (a result, a status message showing a preview) as its caption's lines, those that fit in
 * 1024 characters whole, and the messages answering it (`textParts`). A first line too long for any caption would
 * leave the caption empty and the line whole in the next message: the caption then shows the line's start, cut at a
 * word, with an ellipsis, and the line is still whole below (what it delivers goes with it there).
 */
export function captionParts(reply: Reply, locale: Locale): [Reply, ...Reply[]] {
  const [caption, ...rest] = textParts(reply, locale, TEXT_LIMIT, CAPTION_LIMIT);
  const line = rest[0]?.text[0];
  if (caption.text.length > 0 || line === undefined) return [caption, ...rest];
  const lead = leadOf(t(locale, line.key, line.params ?? {}));
  return [{ ...caption, text: [{ key: PIECE_KEY, params: { text: lead } }] }, ...rest];
}

/** The start of `text` within LEAD_CHARS with an ellipsis, at the end of a word where one ends past its middle. */
function leadOf(text: string): string {
  if (text.length <= LEAD_CHARS) return text;
  const cut = shortText(text, LEAD_CHARS).slice(0, -1);
  const space = /\s/.test(text.charAt(cut.length)) ? cut.length : cut.search(/\s\S*$/);
  return `${(space > LEAD_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
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
