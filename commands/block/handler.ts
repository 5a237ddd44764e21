// /block, /unblock: an admin keeps a user away from the bot (every later event of theirs is refused in one place,
// `blocked.ts`) or lets them back; naming no one lists who is blocked. Blocking cancels the user's waiting jobs;
// a running one may finish (its result still reaches them: it was accepted before the block).
import { type BlockEntry, type Owner, ownerKey, ownerOf } from '../../src/jobs/index.js';
import { cameFromOf, movesOf } from '../chat-moves.js';
import type { CommandContext, Operation } from '../context.js';
import type { CommandDeps } from '../deps.js';
import { UserInputError } from '../errors.js';
import { quoted } from '../quoted-text.js';
import type { Reply, ReplyText } from '../reply.js';
import { isUserIdOn } from '../spec.js';
import type { BlockInput, UnblockInput } from './spec.js';

/** The longest list shown: a platform message has room for about this many lines. */
const LISTED = 50;

export const block: Operation<BlockInput> = async (deps, ctx, { user, reason }) => {
  if (user === undefined) {
    if (reason?.trim()) throw new UserInputError('errors.block.user_missing');
    return listAnswer(listOf(deps, ctx));
  }
  checkUserId(ctx, user);
  const { platform } = ctx.user;
  // A chat that moved on to a new id (a Telegram group upgraded) speaks only under the last one: the admin naming it
  // by an id it had before means that chat, so the block goes on the id it has now, and the answer says so.
  const ids = [user, ...movesOf(deps, platform, user)];
  const blocked = ids.at(-1) ?? user;
  if (ids.includes(ctx.user.userId)) throw new UserInputError('errors.block.self');
  // The ids it had before it too: an admin named by its old id is still that chat under the new one.
  const admin = [...ids, ...cameFromOf(deps, platform, user)].find(
    (id) => deps.queue.isAdmin({ platform, userId: id }) || ctx.namedAdmins?.includes(id),
  );
  if (admin !== undefined) throw new UserInputError('errors.block.admin', { user: admin });
  const key = ownerKey({ platform, userId: blocked });
  const why = reason?.trim() || undefined;
  deps.store.blocks.block({ user: key, by: ownerKey(ctx.user), at: deps.now(), reason: why });
  // Only waiting jobs, the chat's under every id it had too (named by its newest, it still queued some under an
  // older one): a running one is the engine's already, and stopping it mid-run would waste what it spent.
  const keys = new Set(ids.map((id) => ownerKey({ platform, userId: id })));
  const isTheChat = (owner: Owner) =>
    keys.has(ownerKey(owner)) ||
    (owner.platform === platform && movesOf(deps, platform, owner.userId).at(-1) === blocked);
  const waiting = deps.queue.plannedOrder().filter((job) => isTheChat(job.owner));
  const cancelled = waiting.filter((job) => deps.queue.cancel(job.id, ctx.user, true) === 'cancelled').length;
  deps.log?.('warn', 'user blocked', { user: key, named: user, by: ownerKey(ctx.user), cancelled });
  const moved: ReplyText[] = blocked === user ? [] : [{ key: 'block.moved', params: { user, to: blocked } }];
  return answer([...moved, { key: 'block.done', params: { user: blocked, cancelled } }]);
};

export const unblock: Operation<UnblockInput> = async (deps, ctx, { user }) => {
  if (user === undefined) return listAnswer(listOf(deps, ctx));
  const { platform } = ctx.user;
  const key = ownerKey({ platform, userId: user });
  const lifted = deps.store.blocks.unblock(key);
  // A chat that moved on to a new id (a Telegram group upgraded) had its block carried there: the admin naming it by
  // its old id means that chat, so the block goes under every id it had since, and the answer names the newest.
  const moves = movesOf(deps, platform, user);
  const liftedThere = moves.filter((id) => deps.store.blocks.unblock(ownerKey({ platform, userId: id })));
  // A block stored under an id refused today (`/block 0` was taken once) can still be lifted: checked only if none.
  if (!lifted && liftedThere.length === 0) {
    checkUserId(ctx, user);
    throw new UserInputError('errors.block.not_blocked', { user });
  }
  // The copies the chat's earlier ids kept (each move carries the block on) hold no one back now: lifted with it, so
  // the list does not show the chat again under an id it left.
  const earlier = cameFromOf(deps, platform, user).filter((id) =>
    deps.store.blocks.unblock(ownerKey({ platform, userId: id })),
  );
  deps.log?.('warn', 'user unblocked', { user: key, by: ownerKey(ctx.user), movedTo: liftedThere, earlier });
  const to = moves.at(-1);
  const moved: ReplyText[] =
    liftedThere.length > 0 && to !== undefined ? [{ key: 'unblock.moved', params: { user, to } }] : [];
  return answer([{ key: 'unblock.done', params: { user } }, ...moved]);
};

/**
 * A negative id only where the platform has them (a Telegram chat's), and no 0 or leading zero: refused as any word
 * that is no id.
 */
function checkUserId(ctx: CommandContext, user: string): void {
  if (!isUserIdOn(ctx.user.platform, user))
    throw new UserInputError('errors.block.user_invalid', { value: quoted(user) });
}

/**
 * The platform's blocked users, newest first: who, by whom, when (UTC) and why. A chat that moved on to a new id is
 * listed once, under the last id of its moves that is blocked: a block an earlier id kept (each move carries a copy)
 * is left out. A block under an id the chat left, none of whose later ids is blocked, holds no one back: its line says
 * where the chat went, after the blocks that count, and is not counted with them.
 */
function listOf(deps: CommandDeps, ctx: CommandContext): ReplyText[] {
  const { platform } = ctx.user;
  const entries = deps.store.blocks.list(platform);
  const blocked = new Set(entries.map((entry) => entry.user));
  const held: ReplyText[] = [];
  const left: ReplyText[] = [];
  for (const entry of entries) {
    // Reads nothing for an id that cannot move (chat-moves.ts `canMove`): a user's, or any on Discord.
    const moves = movesOf(deps, platform, idOf(entry.user));
    const to = moves.at(-1);
    if (to === undefined) held.push({ key: 'block.item', params: itemParams(entry) });
    else if (!moves.some((id) => blocked.has(ownerKey({ platform, userId: id }))))
      left.push({ key: 'block.item_moved', params: { ...itemParams(entry), to } });
  }
  const head: ReplyText =
    held.length === 0 ? { key: 'block.none' } : { key: 'block.list', params: { count: held.length } };
  return [head, ...[...held, ...left].slice(0, LISTED)];
}

const idOf = (key: string) => ownerOf(key)?.userId ?? key;

function itemParams(entry: BlockEntry): Record<string, string> {
  return {
    user: idOf(entry.user),
    by: idOf(entry.by),
    date: `${new Date(entry.at).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    reason: entry.reason ?? '—',
  };
}

function answer(text: ReplyText[]): Reply {
  return { text, ephemeral: true };
}

/** Who is blocked, by whom and why is for admins alone: a group must not read it over an admin's shoulder. */
function listAnswer(text: ReplyText[]): Reply {
  return {
    ...answer(text),
    privately: {
      sent: { key: 'block.list_sent_privately' },
      unreachable: { key: 'errors.block.list_private' },
    },
  };
}
