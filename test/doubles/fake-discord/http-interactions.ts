// Discord's side of HTTP interactions mode: interactions POSTed to the app's endpoint, signed with Ed25519 over
// timestamp + body, as Discord does with the application's key pair.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

export interface SigningKeys {
  privateKey: KeyObject;
  /** The 32 raw public key bytes as hex, as the Developer Portal shows them (DISCORD_PUBLIC_KEY). */
  publicKeyHex: string;
}

export function makeSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyHex: der.subarray(der.length - 32).toString('hex') };
}

export interface DeliveryOptions {
  /** Sign with another key (as a forger would). */
  privateKey?: KeyObject;
  /** Seconds since the epoch to sign with; default now. */
  timestamp?: number;
  /** Change the body after signing. */
  tamper?: (body: string) => string;
}

export interface Delivery {
  status: number;
  /** Parsed when JSON, else the text (a 503 "starting" page). */
  body: unknown;
  /** The Retry-After header, when given. */
  retryAfter?: string;
}

export async function postSignedInteraction(
  url: string,
  payload: unknown,
  keys: SigningKeys,
  options: DeliveryOptions = {},
): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), options.privateKey ?? keys.privateKey).toString(
    'hex',
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
    body: options.tamper ? options.tamper(body) : body,
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') === true;
  return {
    status: response.status,
    body: text && json ? JSON.parse(text) : text || undefined,
    retryAfter: response.headers.get('retry-after') ?? undefined,
  };
}
