// The one compare of a secret a request shows (the playground's access token, Telegram's webhook secret header).
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Compared as SHA-256 digests: always 32 bytes against 32, so the time taken tells nothing of the secret, its length
 * included (timingSafeEqual needs equal lengths, and returning early on unequal ones says how long it is). An empty
 * `given` is compared too: every request that must show the secret takes the same path.
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
