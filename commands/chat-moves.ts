// A chat that goes on under a new id (a Telegram group upgraded to a supergroup). Whoever speaks as the chat itself
// (its anonymous admins) had its settings, custom options (/prefer, kept with the settings) and any block
// under the old id's owner key, and now speaks under the new one: what the old key holds is carried over, so the
// chat's defaults do not start empty and a block is not shed by the move. Only where the new key holds none: the
// platform may say so twice (once in each chat), or the new identity may have chosen its own settings meanwhile.
import { ownerKey, type Platform } from '../src/jobs/index.js';
import type { CommandDeps } from './deps.js';
import type { UserSettings } from './settings.js';

export function chatMoved(deps: CommandDeps, platform: Platform, fromId: string, toId: string): void {
  if (fromId === toId) return;
  const from = ownerKey({ platform, userId: fromId });
  const to = ownerKey({ platform, userId: toId });
  const { store } = deps;
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
