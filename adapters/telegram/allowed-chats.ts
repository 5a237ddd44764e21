// The chat allowlist (TELEGRAM_CHAT_IDS): updates from other chats are dropped before any handler sees them. A group
// on the list that is upgraded to a supergroup (topics turned on, made public, grown past a group's limits) goes on
// under a new id; Telegram says so once, in a service message in each chat (`migrate_to_chat_id` in the old one,
// `migrate_from_chat_id` in the new one), and never again. The new id is served from then on, and remembered in a
// small file under DATA_DIR, so the next start serves it too: the message will not come again. The log asks the
// operator to list it, the list in the environment being what they own. Moves are kept in the job store too (every
// group's: chat-moves.ts); one known only to this file (an old deployment's, from before the store kept them) is
// carried into the store at start (`carryOldMoves`), the file left as it is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, MiddlewareFn } from 'grammy';
import type { Commands } from '../../commands/index.js';
import { replaceFile } from '../../src/data-dir.js';
import type { Logger } from '../../src/log.js';

export const CHAT_MOVES_FILE = 'telegram-chat-moves.json';

/** Upgrades followed, old id to new; few ever are. */
type Moves = Map<number, number>;

/** The allowlist's middleware, and whether it serves a chat now (an upgraded group's new id included). */
export type AllowedChats = MiddlewareFn<Context> & { serves(chatId: number): boolean };

export function allowedChats(
  ids: readonly number[],
  log: Pick<Logger, 'warn'>,
  dataDir?: string,
): AllowedChats {
  const path = dataDir === undefined ? undefined : join(dataDir, CHAT_MOVES_FILE);
  const moves = path === undefined ? new Map() : readMoves(path, log);
  const allowed = new Set(ids);
  // A listed group upgraded before, perhaps more than once (a group, then its supergroup moved again).
  for (let grown = true; grown; ) {
    grown = false;
    for (const [from, to] of moves) {
      if (!allowed.has(from) || allowed.has(to)) continue;
      allowed.add(to);
      grown = true;
      log.warn(
        { from, to },
        `a Telegram group on TELEGRAM_CHAT_IDS became a supergroup; served under its new id ${to}: add it to TELEGRAM_CHAT_IDS`,
      );
    }
  }
  const follow = (from: number, to: number) => {
    if (!allowed.has(from) || allowed.has(to)) return;
    allowed.add(to);
    moves.set(from, to);
    if (path !== undefined) writeMoves(path, moves, log);
    log.warn(
      { from, to },
      `a Telegram group on TELEGRAM_CHAT_IDS became a supergroup; served under its new id ${to} from now on: add it to TELEGRAM_CHAT_IDS`,
    );
  };
  const middleware: MiddlewareFn<Context> = (ctx, next) => {
    const chat = ctx.chat;
    if (!chat) return;
    const message = ctx.message;
    if (message?.migrate_to_chat_id !== undefined) follow(chat.id, message.migrate_to_chat_id);
    if (message?.migrate_from_chat_id !== undefined) follow(message.migrate_from_chat_id, chat.id);
    return allowed.has(chat.id) ? next() : undefined;
  };
  return Object.assign(middleware, { serves: (chatId: number) => allowed.has(chatId) });
}

/**
 * Tells `commands` of each upgrade the moves file under `dataDir` holds and the store does not know (an old
 * deployment's, kept before moves were stored): sends naming the old id go to the new one from the first
 * (migrations.ts). Once carried, the store knows them; the file is only read.
 */
export function carryOldMoves(
  commands: Pick<Commands, 'movedTo' | 'chatMoved'>,
  log: Pick<Logger, 'warn'>,
  dataDir: string | undefined,
): void {
  if (dataDir === undefined) return;
  for (const [from, to] of readMoves(join(dataDir, CHAT_MOVES_FILE), log)) {
    if (commands.movedTo('telegram', String(from)) === undefined)
      commands.chatMoved('telegram', String(from), String(to));
  }
}

/** The upgrades a run before this one followed; none when the file is missing, unreadable or damaged. */
function readMoves(path: string, log: Pick<Logger, 'warn'>): Moves {
  const moves: Moves = new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ err: error, path }, 'telegram: the chat moves file cannot be read');
    return moves;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const listed: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'moves') : undefined;
    if (typeof listed !== 'object' || listed === null) throw new Error('no moves');
    for (const [from, to] of Object.entries(listed)) {
      if (Number.isSafeInteger(Number(from)) && Number.isSafeInteger(to))
        moves.set(Number(from), to as number);
    }
  } catch (error) {
    log.warn(
      { reason: error instanceof Error ? error.message : String(error), path },
      'telegram: the chat moves file is damaged; upgraded groups are served only once listed in TELEGRAM_CHAT_IDS',
    );
  }
  return moves;
}

/** Written whole or not at all (`replaceFile`); a failure is logged: the new id is served in this run either way. */
function writeMoves(path: string, moves: Moves, log: Pick<Logger, 'warn'>): void {
  try {
    replaceFile(path, `${JSON.stringify({ moves: Object.fromEntries(moves) }, null, 2)}\n`);
  } catch (error) {
    log.warn(
      { err: error, path },
      'telegram: the chat moves file cannot be written; the new id is served until restart',
    );
  }
}
