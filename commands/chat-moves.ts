// A chat that goes on under a new id (a Telegram group upgraded to a supergroup). Whoever speaks as the chat itself
// (its anonymous admins) had its settings, custom options (/prefer, kept with the settings) and any block
// under the old id's owner key, and now speaks under the new one: what the old key holds is carried over, so the
// chat's defaults do not start empty and a block is not shed by the move. Only where the new key holds none: the
// platform may say so twice (once in each chat), or the new identity may have chosen its own settings meanwhile.
// Where the old id went is kept too: an admin may still name the chat by it (`/unblock <old id>`, block/handler.ts).
import { ownerKey, type Platform } from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import type { UserSettings } from './settings.js';

export function chatMoved(deps: CommandDeps, platform: Platform, fromId: string, toId: string): void {
  if (fromId === toId) return;
  const from = ownerKey({ platform, userId: fromId });
  const to = ownerKey({ platform, userId: toId });
  const { store } = deps;
  store.saveSettings(movedKey(from), { to: toId } satisfies Moved);
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

/** Where an id went (an admin may still name the chat by it: /unblock), kept beside the settings. */
interface Moved {
  to: string;
}

/** No owner key: every one begins with its platform. */
const movedKey = (from: string) => `moved:${from}`;

/** How many moves of one chat are followed: Telegram moves a group once, to a supergroup that stays. */
const HOPS = 5;

/** The ids a chat went on under after `id`, oldest first; none if it never moved. */
export function movesOf(deps: Pick<CommandDeps, 'store'>, platform: Platform, id: string): string[] {
  const ids: string[] = [];
  let at = id;
  for (let hop = 0; hop < HOPS; hop++) {
    const next = deps.store.settings<Moved>(movedKey(ownerKey({ platform, userId: at })))?.to;
    if (next === undefined || next === id || ids.includes(next)) break;
    ids.push(next);
    at = next;
  }
  return ids;
}
