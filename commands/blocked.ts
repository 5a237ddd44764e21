// The one check every event of a user passes before anything runs (the `Commands` facade calls it at each entry:
// commands, typed lines, buttons, answers to a question, replies to an image or a result): a user an admin blocked
// (`/block`) gets one clear refusal, `errors.blocked`, and nothing of theirs runs.
//
// Said at most once per `QUIET_MS` per user: a blocked user who keeps sending must not make the bot send as much
// (in a Telegram group every answer is everyone's noise, and each counts against the bot's flood limits). Within
// that time the refusal comes back `silent`: an adapter that need not answer (a message) sends nothing, one that
// must (a Discord interaction, answered only to its user) still shows it.
import { ownerKey } from '../src/jobs/index.js';
import type { CommandContext } from './context.js';
import type { CommandDeps } from './deps.js';
import { type Reply, textReply } from './reply.js';

export const QUIET_MS = 5 * 60_000;

/** Users told recently; forgotten once their quiet time is over (checked when it grows past this). */
const PRUNE_AT = 1000;

export class BlockGate {
  private readonly told = new Map<string, number>();

  constructor(private readonly deps: Pick<CommandDeps, 'store' | 'now'>) {}

  /** Whether the user is blocked (an admin never is: one made admin after a block is let through). */
  blocked(ctx: CommandContext): boolean {
    return !ctx.isAdmin && this.deps.store.blocks.get(ownerKey(ctx.user)) !== undefined;
  }

  /** The refusal for a blocked user's event (`silent` when said lately), or undefined to go on. */
  refusal(ctx: CommandContext): Reply | undefined {
    if (!this.blocked(ctx)) return undefined;
    const key = ownerKey(ctx.user);
    const now = this.deps.now();
    const last = this.told.get(key);
    const reply = textReply('errors.blocked');
    if (last !== undefined && now - last < QUIET_MS) return { ...reply, silent: true };
    if (this.told.size >= PRUNE_AT) {
      for (const [user, at] of this.told) if (now - at >= QUIET_MS) this.told.delete(user);
    }
    this.told.set(key, now);
    return reply;
  }
}
