// Downloading a user's image from a chat platform's file server, the one part Telegram and Discord share: where the
// file is and how large the platform says it is stay with each adapter. The body is counted while it arrives, so a
// server that sends more than it declared (or declared nothing) costs at most the limit in memory, not the file.
// A redirect is followed only to where the adapter allows (its platform's own file hosts), never to whatever
// address it names: the bot's network (a Redis on 127.0.0.1, a cloud metadata service) is not the user's to reach.
import { UserInputError } from '../../commands/index.js';

/** How long a download may take, answer and body together, before it counts as failed. */
export const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Redirects followed at most, each to an allowed place; more count as a failed download. */
const MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export interface CappedDownload {
  /** The largest body accepted; a larger one is refused as too large. */
  maxBytes: number;
  /** The platform's own "could not download" refusal, for a failed connection, an error status or the timeout. */
  failure: UserInputError['key'];
  timeoutMs?: number;
  /** Where a redirect may lead; a redirect anywhere else (or any redirect, without this) fails unfetched. */
  mayFollow?: (url: URL) => boolean;
}

/** The refusal of a file over the limit, naming both (the sentence has both placeholders). */
export function tooLarge(sizeBytes: number, limitBytes: number): UserInputError {
  return new UserInputError('errors.input.too_large', { sizeBytes, limitBytes });
}

/** The body at `url`, or a UserInputError: `failure`, or too large. Never names the URL (it may hold a token). */
export async function downloadCapped(
  url: string | URL,
  { maxBytes, failure, timeoutMs = DOWNLOAD_TIMEOUT_MS, mayFollow = () => false }: CappedDownload,
): Promise<Uint8Array> {
  // Aborted on every way out, so that a refusal (the timeout, the cap, an error status) closes the connection
  // rather than leaving the rest of the body to arrive unread.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response | undefined;
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      response = await fetch(target, { signal: controller.signal, redirect: 'manual' }).catch(
        () => undefined,
      );
      const location = response && REDIRECTS.has(response.status) ? response.headers.get('location') : null;
      if (location === null) break;
      const next = URL.canParse(location, target.href) ? new URL(location, target) : undefined;
      if (!next || hop === MAX_REDIRECTS || !mayFollow(next)) throw new UserInputError(failure);
      await response?.body?.cancel().catch(() => undefined);
      target = next;
    }
    if (!response?.ok) throw new UserInputError(failure);
    // A compressed body's length says nothing of the bytes it decodes to.
    const declared = response.headers.get('content-encoding') ? null : response.headers.get('content-length');
    if (declared !== null && Number(declared) > maxBytes) throw tooLarge(Number(declared), maxBytes);
    const chunks: Uint8Array[] = [];
    let received = 0;
    if (!response.body) return new Uint8Array(0);
    const reader = response.body.getReader();
    for (;;) {
      const next = await reader.read().catch(() => undefined);
      if (!next) throw new UserInputError(failure);
      if (next.done) break;
      received += next.value.byteLength;
      // Without a declared length, what has arrived is all that is known of the size.
      if (received > maxBytes) throw tooLarge(received, maxBytes);
      chunks.push(next.value);
    }
    return concat(chunks, received);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const data = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data;
}
