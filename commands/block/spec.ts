// /block and /unblock (admins only): keep a user away from the bot, or let them back. The user is a Discord USER
// option, or typed as a numeric id (`/block 123456789 spam`; on Telegram a chat speaking as itself, `-100…`), or on
// Telegram the author of the message the command replies to (`/block spam` as a reply). `/block` naming no one lists
// the blocked users. Not on the playground: it has one user.
import { z } from 'zod';
import { type CommandSpec, userOption } from '../spec.js';

/** The longest reason kept with a block. */
export const MAX_BLOCK_REASON = 200;

const options = z.object({
  user: userOption().optional(),
  reason: z.string().max(MAX_BLOCK_REASON).meta({ tooLongKey: 'errors.block.reason_too_long' }).optional(),
});

// A minus too (a Telegram chat's id): on a platform whose ids have none the handler refuses it (`isUserIdOn`). Any
// numeral is taken as typed (`①`, `¹`), for `userOption` to refuse by name rather than read NFKC's digit into it.
const text = { leading: [{ option: 'user', pattern: /^([-\uFE63\uFF0D]?\p{N}{1,20})$/u }], rest: 'reason' };

export const blockSpec = {
  name: 'block',
  personal: true,
  adminOnly: true,
  platforms: ['discord', 'telegram'],
  options,
  text,
} satisfies CommandSpec;

export const unblockSpec = {
  name: 'unblock',
  personal: true,
  adminOnly: true,
  platforms: ['discord', 'telegram'],
  options: z.object({ user: userOption().optional() }),
  text: { rest: 'user' },
} satisfies CommandSpec;

export type BlockInput = z.output<typeof blockSpec.options>;
export type UnblockInput = z.output<typeof unblockSpec.options>;
