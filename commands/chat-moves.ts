// A chat that goes on under a new id (a Telegram group upgraded to a supergroup). Whoever speaks as the chat itself
// (its anonymous admins) had its settings, custom options (/prefer, kept with the settings) and any block
// under the old id's owner key, and now speaks under the new one: what the old key holds is carried over, so the
// chat's defaults do not start empty and a block is not shed by the move. Only where the new key holds none: the
// platform may say so twice (once in each chat), or the new identity may have chosen its own settings meanwhile.
// Where the old id went is kept too: an admin may still name the chat by it (/block and `/unblock <old id>`, and the
// /block list shows a block left under it, block/handler.ts), and a Telegram send to the old id goes to the new one
// (`commands.movedTo`, adapters/telegram/migrations.ts).
import { ownerKey, ownerOf, type Platform } from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import type { UserSettings } from './settings.js';
import { SIGNED_USER_IDS } from './spec.js';

export function chatMoved(deps: CommandDeps, platform: Platform, fromId: string, toId: string): void {
  if (fromId === toId) return;
  const from = ownerKey({ platform, userId: fromId });
  const to = ownerKey({ platform, userId: toId });
  const { store } = deps;
  store.saveSettings(movedKey(from), { to: toId } satisfies Moved);
  const came = store.settings<CameFrom>(cameFromKey(to))?.from ?? [];
  if (!came.includes(fromId))
    store.saveSettings(cameFromKey(to), { from: [...came, fromId] } satisfies CameFrom);
  const settings = store.settings<UserSettings>(from);
  const held = store.settings<UserSettings>(to);
  const copied = settings !== undefined && !hasAny(held) && hasAny(settings);
  if (copied) store.saveSettings(to, settings);
  const block = store.blocks.get(from);
  const blocked = block !== undefined && store.blocks.get(to) === undefined;
  if (blocked) store.blocks.block({ ...block, user: to });
  if (copied || blocked)
    deps.log?.('warn', 'a chat moved to a new id: its identity carried over', { from, to, copied, blocked });
}

/** Settings saved empty (every choice reset) are none to keep. */
const hasAny = (settings: UserSettings | undefined) =>
  settings !== undefined && Object.keys(settings).length > 0;

/**
 * Where an id went, kept beside the settings: an admin may still name the chat by it (/block, /unblock), the /block
 * list follows a block's id to it, and a Telegram send to the old id goes there (`commands.movedTo`).
 */
interface Moved {
  to: string;
}

/**
 * The ids that went on under an id, kept beside `Moved` so that an id can be followed back to the ones the chat had
 * before (an admin named by its old id, /block; a block its old id kept, /unblock) in one read per hop. Moves stored
 * before it was kept got theirs written once, on the first walk back (`backfillCameFrom`).
 */
interface CameFrom {
  from: string[];
}

/** No owner key: every one begins with its platform. */
const MOVED = 'moved:';
const movedKey = (from: string) => `${MOVED}${from}`;
const cameFromKey = (to: string) => `movedfrom:${to}`;

/** How many moves of one chat are followed: Telegram moves a group once, to a supergroup that stays. */
const HOPS = 5;

/**
 * Whether a chat under `id` can have moved: Telegram moves only a group (upgraded to a supergroup), and a group's id
 * is negative. Any other id is not looked up, so a list of many users reads no moves for them.
 */
const canMove = (platform: Platform, id: string) => SIGNED_USER_IDS.has(platform) && id.startsWith('-');

/** The ids a chat went on under after `id`, oldest first; none if it never moved. */
export function movesOf(deps: Pick<CommandDeps, 'store'>, platform: Platform, id: string): string[] {
  const ids: string[] = [];
  if (!canMove(platform, id)) return ids;
  let at = id;
  for (let hop = 0; hop < HOPS; hop++) {
    const next = deps.store.settings<Moved>(movedKey(ownerKey({ platform, userId: at })))?.to;
    if (next === undefined || next === id || ids.includes(next)) break;
    ids.push(next);
    at = next;
  }
  return ids;
}

/** The ids a chat had before `id` (those whose moves lead to it), nearest first; none if no chat moved into it. */
export function cameFromOf(deps: Pick<CommandDeps, 'store'>, platform: Platform, id: string): string[] {
  backfillCameFrom(deps.store);
  const ids: string[] = [];
  let at = [id];
  for (let hop = 0; hop < HOPS && at.length > 0; hop++) {
    const found = at.flatMap(
      (to) => deps.store.settings<CameFrom>(cameFromKey(ownerKey({ platform, userId: to })))?.from ?? [],
    );
    at = [...new Set(found)].filter((from) => from !== id && !ids.includes(from));
    ids.push(...at);
  }
  return ids;
}

/** The stores whose moves all have their reverse rows: each process's store is backfilled once, on first use. */
const backfilled = new WeakSet<CommandDeps['store']>();

/**
 * Writes the reverse row (`CameFrom`) of every move stored before those were kept, so that following a chat back
 * needs no search of every move. Adds only the ids missing: written again, it changes nothing.
 */
function backfillCameFrom(store: CommandDeps['store']): void {
  if (backfilled.has(store)) return;
  for (const key of store.settingsKeys(MOVED)) {
    const from = ownerOf(key.slice(MOVED.length));
    const to = store.settings<Moved>(key)?.to;
    if (to === undefined || from === undefined) continue;
    const cameKey = cameFromKey(ownerKey({ platform: from.platform, userId: to }));
    const came = store.settings<CameFrom>(cameKey)?.from ?? [];
    if (!came.includes(from.userId))
      store.saveSettings(cameKey, { from: [...came, from.userId] } satisfies CameFrom);
  }
  backfilled.add(store);
}
