// discord.js retries a post whose answer was a 5xx, though Discord may have created the message the first time.
// With a nonce Discord enforces, the retry gets the message already made instead of making a second one.
import { randomBytes } from 'node:crypto';

/** Spread into a channel post or a DM: a fresh nonce (Discord allows 25 characters), enforced. */
export function postOnce(): { nonce: string; enforceNonce: true } {
  return { nonce: randomBytes(12).toString('base64url'), enforceNonce: true };
}
