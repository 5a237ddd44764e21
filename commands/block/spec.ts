// /block and /unblock (admins only): keep a user away from the bot, or let them back. The user is a Discord USER
// option, or typed as a numeric id (`/block 123456789 spam`; on Telegram a chat speaking as itself, `-100…`), or on
// Telegram the author of the message the command replies to (`/block spam` as a reply). `/block` naming no one lists
// the blocked users. Not on the playground: it has one user.
import { z } from 'zod';
import { type CommandSpec, MINUS, readsAsUserId, userOption } from '../spec.js';

/** The longest reason kept with a block. */
export const MAX_BLOCK_REASON = 200;

const options = z.object({
  user: userOption().optional(),
  reason: z.string().max(MAX_BLOCK_REASON).meta({ tooLongKey: 'errors.block.reason_too_long' }).optional(),
});

/**
 * A leading word that is an id, or reads as one. Decimal digits of any script (`۱۲۳۴`, `１２`) are the digits they
 * stand for, as `userOption` reads them. Numerals that NFKC makes decimal digits (`①`, `¹`, `₂`) are taken as typed,
 * for `userOption` to refuse by name rather than read NFKC's digit into it. Numerals that are no digits (`½`, `Ⅻ`,
 * `⑴`, `❶`, `〇`) name no one: they start the reason, as any other word (`/block ½ price spam` as a reply). A pattern
 * can see only the word, not its NFKC form, hence `exec` here, which the grammar (and `test`, `match`) goes through.
 */
class LeadingUserId extends RegExp {
  override exec(word: string): RegExpExecArray | null {
    return readsAsUserId(word) ? super.exec(word) : null;
  }
}

// A minus too (a Telegram chat's id): on a platform whose ids have none the handler refuses it (`isUserIdOn`).
const text = {
  leading: [{ option: 'user', pattern: new LeadingUserId(new RegExp(`^(${MINUS}?\\p{N}{1,20})$`, 'u')) }],
  rest: 'reason',
};

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
