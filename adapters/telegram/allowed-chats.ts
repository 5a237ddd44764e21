// The chat allowlist (TELEGRAM_CHAT_IDS): updates from other chats are dropped before any handler sees them. A group
// on the list that is upgraded to a supergroup (topics turned on, made public, grown past a group's limits) goes on
// under a new id; Telegram says so once, in a service message in each chat (`migrate_to_chat_id` in the old one,
// `migrate_from_chat_id` in the new one), and never again. The new id is served from then on, and remembered in a
// small file under DATA_DIR, so the next start serves it too: the message will not come again. The log asks the
// operator to list it, the list in the environment being what they own. Moves are kept in the job store too (every
// group's: chat-moves.ts); one known only to this file (an old deployment's, from before the store kept them) is
// carried into the store at start (`carryOldMoves`), the file left as it is. The file is read once a start, by that,
// and what it read handed to the allowlist. Only a group's upgrade is taken from it (both ids negative): a user's id
// moved would carry that user's block and settings to another at every start.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, MiddlewareFn } from 'grammy';
import type { Commands } from '../../commands/index.js';
import { replaceFile } from '../../src/data-dir.js';
import type { Logger } from '../../src/log.js';

export const CHAT_MOVES_FILE = 'telegram-chat-moves.json';

/** Upgrades followed, old id to new; few ever are. */
export type Moves = Map<number, number>;

/** What a file that cannot be read or is damaged costs, worded for a start with and without an allowlist. */
const UNFOLLOWED =
  'the group upgrades it kept are not followed: sends to an old id are not redirected, and with TELEGRAM_CHAT_IDS ' +
  'an upgraded group is served only once its new id is listed';

/** The allowlist's middleware, and whether it serves a chat now (an upgraded group's new id included). */
export type AllowedChats = MiddlewareFn<Context> & { serves(chatId: number): boolean };

/** `read`: the file under `dataDir` as read already this start (`carryOldMoves`); else it is read here. */
export function allowedChats(
  ids: readonly number[],
  log: Pick<Logger, 'warn'>,
  dataDir?: string,
  read?: Moves,
): AllowedChats {
  const path = dataDir === undefined ? undefined : join(dataDir, CHAT_MOVES_FILE);
  const moves: Moves = new Map(read ?? (path === undefined ? [] : readMoves(path, log)));
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
 * (migrations.ts). Once carried, the store knows them; the file is only read. Returns what it read, for the
 * allowlist (`allowedChats`). A move leading back to its own old id through those the store knows (the store has
 * the new id moved to the old) is left out: the chat's sends would go back to an id it left.
 */
export function carryOldMoves(
  commands: Pick<Commands, 'movedTo' | 'chatMoved'>,
  log: Pick<Logger, 'warn'>,
  dataDir: string | undefined,
): Moves {
  if (dataDir === undefined) return new Map();
  const moves = readMoves(join(dataDir, CHAT_MOVES_FILE), log);
  for (const [from, to] of moves) {
    if (commands.movedTo('telegram', String(from)) !== undefined) continue;
    if (commands.movedTo('telegram', String(to)) === String(from)) {
      log.warn(
        { from, to },
        'telegram: a move in the chat moves file goes back to an id it left; not carried',
      );
      continue;
    }
    commands.chatMoved('telegram', String(from), String(to));
  }
  return moves;
}

/** The upgrades a run before this one followed; none when the file is missing, unreadable or damaged. */
function readMoves(path: string, log: Pick<Logger, 'warn'>): Moves {
  const moves: Moves = new Map();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ err: error, path }, `telegram: the chat moves file cannot be read; ${UNFOLLOWED}`);
    return moves;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const listed: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'moves') : undefined;
    if (typeof listed !== 'object' || listed === null) throw new Error('no moves');
    const ignored: string[] = [];
    for (const [from, to] of Object.entries(listed)) {
      if (isUpgrade(Number(from), to)) moves.set(Number(from), to);
      else ignored.push(from);
    }
    if (ignored.length > 0)
      log.warn(
        { ignored, path },
        "telegram: the chat moves file lists moves that are no group's upgrade; ignored",
      );
  } catch (error) {
    log.warn(
      { reason: error instanceof Error ? error.message : String(error), path },
      `telegram: the chat moves file is damaged; ${UNFOLLOWED}`,
    );
  }
  return moves;
}

/** A group's id and a supergroup's are negative (a user's positive): only a group is upgraded to a new id. */
const isUpgrade = (from: number, to: unknown): to is number =>
  Number.isSafeInteger(from) && Number.isSafeInteger(to) && from < 0 && (to as number) < 0 && from !== to;

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
