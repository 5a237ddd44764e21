// discord.js (@discordjs/rest) sends a request again, up to 3 times, when its answer was a 5xx or its connection
// was reset or timed out. For a read, an edit or a deletion that is harmless; an interaction callback meets 40060 the
// second time (acknowledgement.ts) and a channel post carries an enforced nonce (post-once.ts). A webhook execution
// (an interaction's follow-up, `POST /webhooks/:app/:token`) takes no nonce: Discord may have made the message though
// its answer was lost, and the retry makes a second one. So a message post that cannot be told apart from its retry
// is sent once: its retry is answered here with DeliveryUnconfirmed, which discord.js does not retry, and the caller
// treats it as "may have arrived" (never as a refusal). Every other request keeps discord.js's retries.
import { DefaultRestOptions, HTTPError, type RESTOptions } from 'discord.js';
import { lostOnTheWay } from './acknowledgement.js';

/** Executes a webhook (an interaction's follow-up, too): `/webhooks/:id/:token`, with a query at most. */
const WEBHOOK_EXECUTE = /\/webhooks\/\d+\/[^/?]+(\?.*)?$/;
const CHANNEL_POST = /\/channels\/\d+\/messages(\?.*)?$/;

/** The post's first answer was lost (a 5xx, a dropped or timed-out connection): it may or may not have arrived. */
export class DeliveryUnconfirmed extends Error {
  constructor(url: string) {
    // The path only as its kind: a follow-up's holds the interaction's token, which is never logged.
    const kind = WEBHOOK_EXECUTE.test(new URL(url).pathname) ? 'a follow-up' : 'a channel post';
    super(`discord: ${kind} was answered with a failure after sending; not sent again`);
    this.name = 'DeliveryUnconfirmed';
  }
}

/**
 * A job's first message whose answer was lost may be showing or not: its status opens without a message, so the
 * job's ending comes as a new message (in the channel, a reply to a mention, a DM for a private one), never lost.
 */
export function mayHaveArrived<T>(sent: Promise<T>): Promise<T | undefined> {
  return sent.catch((error: unknown) => {
    if (deliveryUnconfirmed(error)) return undefined;
    throw error;
  });
}

/**
 * undici's failures once the request was written (no answer in time, one it could not read): Discord may have acted
 * on it. Those before it left (refused, DNS, a connect or TLS failure) are not here: nothing was sent, and discord.js
 * does not try them again either, so they fail as any refusal does.
 */
const AFTER_SENDING =
  /^(UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_HEADERS_OVERFLOW|UND_ERR_RES_CONTENT_LENGTH_MISMATCH|HPE_\w+)$/;

/** A send that failed in a way that leaves it unknown whether Discord made the message. */
export function deliveryUnconfirmed(error: unknown): boolean {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return (
    error instanceof DeliveryUnconfirmed ||
    (error instanceof HTTPError && error.status >= 500) ||
    lostOnTheWay(error) ||
    (error instanceof Error && error.name === 'AbortError') ||
    (typeof code === 'string' && AFTER_SENDING.test(code))
  );
}

type MakeRequest = RESTOptions['makeRequest'];
type Init = Parameters<MakeRequest>[1];

/** A message post whose retry would make a second message: a webhook's, or a channel's without enforced nonce. */
function postsAnew(url: string, init: Init): boolean {
  if ((init.method ?? 'GET').toUpperCase() !== 'POST') return false;
  const path = new URL(url).pathname;
  if (WEBHOOK_EXECUTE.test(path)) return true;
  return CHANNEL_POST.test(path) && !enforcesNonce(init.body);
}

function enforcesNonce(body: Init['body']): boolean {
  const json = body instanceof FormData ? body.get('payload_json') : body;
  if (typeof json !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null && Reflect.get(parsed, 'enforce_nonce') === true;
  } catch {
    return false;
  }
}

/**
 * discord.js's own request function, sending such a post once. A retry is the same request again: @discordjs/rest
 * builds a request's headers once and hands the same object to every try of it, which is what is remembered.
 */
export function postingOnce(make: MakeRequest = DefaultRestOptions.makeRequest): MakeRequest {
  const unsure = new WeakSet<object>();
  return async (url, init) => {
    const key = init.headers;
    if (typeof key !== 'object' || key === null || !postsAnew(url, init)) return make(url, init);
    if (unsure.has(key)) throw new DeliveryUnconfirmed(url);
    try {
      const res = await make(url, init);
      if (res.status >= 500) unsure.add(key);
      return res;
    } catch (error) {
      unsure.add(key);
      throw error;
    }
  };
}
