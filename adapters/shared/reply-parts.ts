// A reply longer than one chat message, as the messages to send in order, split between its lines. Cut, the end of a
// /help or a /queue would be lost, and with it an undelivered answer that /queue counts as delivered. Each platform
// gives its limit and how it measures a line (Discord and Telegram both count UTF-16 units).
import type { Reply, ReplyText } from '../../commands/index.js';

/**
 * The catalog's line that is its text alone ("{text}" in every language): a piece of a line too long for any one
 * message, cut where a platform sends a long text in several messages.
 */
export const PIECE_KEY = 'reply.piece';

/** The param marking every piece of a line but its last: the line goes on in the next message. */
const GOES_ON = 'goesOn';

/**
 * Whether `line` is a piece its line goes on after. A line in pieces is shown only once every piece was: past a
 * refused one, the rest of it would show a line with a hole, and what it delivers (with its last piece) would count.
 */
export function goesOn(line: ReplyText | undefined): boolean {
  return line?.key === PIECE_KEY && line.params?.[GOES_ON] === 1;
}

export interface PartRoom {
  /**
   * The first message's room, where it is less than the others' (a Telegram photo's caption, a Discord status message
   * with its ETA line). A first line that fits only a later message leaves the first without text.
   */
  first?: number;
  /**
   * The line as the platform shows it. Given, a line longer than a message on its own is cut into pieces, each a
   * message (`PIECE_KEY`), the way Telegram sends a long text; without it, such a line is a message alone, which its
   * platform must keep whole (Discord attaches the text as a file).
   */
  render?: (line: ReplyText) => string;
}

/**
 * `reply` as its messages: the first is the reply with the lines that fit (its images, buttons and job), the others
 * its further lines alone (as private as it). Lines are joined by one newline, which counts 1 toward `limit`. A job's
 * reply is split too: its status message holds the first lines (every later event edits it in place) and the others
 * follow, so a line that must be shown to count (an undelivered notice) is never cut off the end of it. A line
 * counts as sent with the message holding it whole, or with its last piece.
 */
export function replyParts(
  reply: Reply,
  limit: number,
  measure: (line: ReplyText) => number,
  room: PartRoom = {},
): [Reply, ...Reply[]] {
  const { first = limit, render } = room;
  const cut = render !== undefined && reply.text.some((line) => measure(line) > limit);
  const lines = cut ? reply.text.flatMap((line) => piecesOf(line, limit, measure, render)) : reply.text;
  const [head = [], ...rest] = linesWithin(lines, { first, rest: limit }, measure);
  if (rest.length === 0) return [reply];
  const shown = reply.ephemeral === undefined ? {} : { ephemeral: reply.ephemeral };
  return [{ ...reply, text: head }, ...rest.map((text) => ({ text, ...shown }))];
}

/**
 * `lines` in order, grouped so that each group joined by newlines measures at most its room: `first` for the first
 * group, `rest` for the others. A line over `rest` is a group alone.
 */
function linesWithin<T>(
  lines: readonly T[],
  room: { first: number; rest: number },
  measure: (line: T) => number,
): T[][] {
  const groups: T[][] = [[]];
  let used = 0;
  for (const line of lines) {
    const length = measure(line);
    const group = groups.at(-1) as T[];
    const limit = groups.length === 1 ? room.first : room.rest;
    const added = group.length === 0 ? length : used + 1 + length;
    // Alone in the first message when no later one would hold it either: an empty first message helps nobody.
    const alone = group.length === 0 && (groups.length > 1 || length > room.rest);
    if (added <= limit || alone) {
      group.push(line);
      used = added;
    } else {
      groups.push([line]);
      used = length;
    }
  }
  return groups;
}

/**
 * `line` as pieces of at most `limit` each when it is longer, cut after a space near the end where there is one,
 * never inside a character; what it delivers or tells goes with its last piece, shown once all the others were.
 */
function piecesOf(
  line: ReplyText,
  limit: number,
  measure: (line: ReplyText) => number,
  render: (line: ReplyText) => string,
): ReplyText[] {
  if (measure(line) <= limit) return [line];
  const { delivers, tells } = line;
  const texts = cutText(render(line), limit);
  const end = { ...(delivers !== undefined ? { delivers } : {}), ...(tells !== undefined ? { tells } : {}) };
  return texts.map(
    (text, i): ReplyText =>
      i < texts.length - 1
        ? { key: PIECE_KEY, params: { text, [GOES_ON]: 1 } }
        : { key: PIECE_KEY, params: { text }, ...end },
  );
}

/** How far back from a piece's end a space is looked for: past it, the piece is cut between characters. */
const SPACE_WINDOW = 0.2;

/** `text` in pieces of at most `limit` UTF-16 units, in order, none empty, together the whole text. */
export function cutText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let end = limit;
    // Never half a surrogate pair: an emoji's lone half is invalid UTF-16, which Telegram refuses.
    if (/[\ud800-\udbff]/.test(rest[end - 1] ?? '')) end -= 1;
    const space = rest.slice(0, end).search(/\s\S*$/);
    if (space >= 0 && space + 1 >= end * (1 - SPACE_WINDOW)) end = space + 1;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}
