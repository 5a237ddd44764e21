// discord.js's REST client with the adapter's request function (post-retries.ts): a 5xx or a reset connection is
// retried for every request except a message post that a retry would make twice.
import { REST } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  DeliveryUnconfirmed,
  deliveryUnconfirmed,
  postingOnce,
} from '../../../adapters/discord/post-retries.js';

type Answer = number | 'reset' | Error;

/** A REST whose requests are answered in turn by `answers` (then 200), recording each request made. */
function restAnswering(answers: Answer[]) {
  const made: { method: string; path: string }[] = [];
  const rest = new REST({
    api: 'http://discord.invalid/api',
    retries: 3,
    makeRequest: postingOnce(async (url, init) => {
      made.push({ method: String(init.method), path: new URL(url).pathname });
      const next = answers.shift() ?? 200;
      if (next === 'reset') throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      if (next instanceof Error) throw next;
      return new Response(JSON.stringify(next === 200 ? { id: '1' } : { message: 'oops', code: 0 }), {
        status: next,
        headers: { 'content-type': 'application/json' },
      });
    }),
  }).setToken('token');
  return { rest, made };
}

const FOLLOW_UP = '/webhooks/11/interaction-token';
const CHANNEL_POST = '/channels/22/messages';

describe('Discord: which requests a lost answer retries', () => {
  for (const lost of [500, 502, 'reset'] as const) {
    it(`a follow-up answered ${lost} is sent once and fails as unconfirmed`, async () => {
      const { rest, made } = restAnswering([lost]);
      const error = await rest.post(FOLLOW_UP, { body: { content: 'hi' }, auth: false }).catch((e) => e);
      expect(error).toBeInstanceOf(DeliveryUnconfirmed);
      expect(deliveryUnconfirmed(error)).toBe(true);
      // Logged as it is: the interaction's token is no part of it.
      expect(String((error as Error).message)).not.toContain('interaction-token');
      expect(made).toEqual([{ method: 'POST', path: `/api/v10${FOLLOW_UP}` }]);
    });

    it(`a channel post without an enforced nonce, answered ${lost}, is sent once`, async () => {
      const { rest, made } = restAnswering([lost]);
      await expect(rest.post(CHANNEL_POST, { body: { content: 'hi' } })).rejects.toBeInstanceOf(
        DeliveryUnconfirmed,
      );
      expect(made).toHaveLength(1);
    });

    it(`a channel post with an enforced nonce, answered ${lost}, is retried (Discord dedupes it)`, async () => {
      const { rest, made } = restAnswering([lost]);
      const body = { content: 'hi', nonce: 'n1', enforce_nonce: true };
      await expect(rest.post(CHANNEL_POST, { body })).resolves.toEqual({ id: '1' });
      // With a file, the JSON travels as payload_json in a form.
      const files = [{ name: 'a.png', data: Buffer.from('png') }];
      await expect(rest.post(CHANNEL_POST, { body, files })).resolves.toEqual({ id: '1' });
      expect(made).toHaveLength(3);
    });

    it(`an edit, a read, a deletion and an interaction callback answered ${lost} are retried`, async () => {
      const { rest, made } = restAnswering([lost, 200, lost, 200, lost, 200, lost, 200, lost, 200]);
      await rest.patch(`${FOLLOW_UP}/messages/@original`, { body: { content: 'x' }, auth: false });
      await rest.get('/channels/22/messages/33');
      await rest.delete('/channels/22/messages/33');
      // A follow-up's deletion goes to the same webhook as its post: only the post is sent once.
      await rest.delete(`${FOLLOW_UP}/messages/55`, { auth: false });
      await rest.post('/interactions/44/interaction-token/callback', { body: { type: 4 }, auth: false });
      expect(made.map((m) => m.method)).toEqual([
        'PATCH',
        'PATCH',
        'GET',
        'GET',
        'DELETE',
        'DELETE',
        'DELETE',
        'DELETE',
        'POST',
        'POST',
      ]);
    });
  }

  it('a follow-up answered at once is sent as usual, and a refusal stays a refusal', async () => {
    const { rest, made } = restAnswering([200, 400]);
    await expect(rest.post(FOLLOW_UP, { body: { content: 'hi' }, auth: false })).resolves.toEqual({
      id: '1',
    });
    const refused = await rest.post(FOLLOW_UP, { body: { content: 'hi' }, auth: false }).catch((e) => e);
    expect(deliveryUnconfirmed(refused)).toBe(false);
    expect(made).toHaveLength(2);
  });

  /** A failure as undici's `request` (discord.js's on Node) throws it: its name, its code, its message. */
  const failure = (name: string, code: string, message: string) =>
    Object.assign(new Error(message), { name, code });

  // Before the request left: nothing was sent. discord.js tries none of them again, for any request.
  const beforeSending = [
    failure('Error', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443'),
    failure('Error', 'ENOTFOUND', 'getaddrinfo ENOTFOUND discord.com'),
    failure('Error', 'EAI_AGAIN', 'getaddrinfo EAI_AGAIN discord.com'),
    failure('ConnectTimeoutError', 'UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'),
    failure('Error', 'CERT_HAS_EXPIRED', 'certificate has expired'),
    failure('Error', 'ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
  ];
  for (const error of beforeSending) {
    it(`a follow-up that failed before it was sent (${error.code}) fails as itself, certainly not sent`, async () => {
      const { rest, made } = restAnswering([error]);
      const thrown = await rest.post(FOLLOW_UP, { body: { content: 'hi' }, auth: false }).catch((e) => e);
      expect(thrown).toBe(error);
      expect(deliveryUnconfirmed(thrown)).toBe(false);
      expect(made).toHaveLength(1);
    });
  }

  // Once the request was written (a connection closed or reset under it, no answer in time, one unreadable):
  // Discord may have made the message.
  const afterSending = [
    failure('SocketError', 'UND_ERR_SOCKET', 'other side closed'),
    failure('Error', 'EPIPE', 'write EPIPE'),
    failure('HeadersTimeoutError', 'UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'),
    failure('BodyTimeoutError', 'UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'),
    failure('HeadersOverflowError', 'UND_ERR_HEADERS_OVERFLOW', 'Headers Overflow Error'),
    failure(
      'ResponseContentLengthMismatchError',
      'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
      'Response body length',
    ),
    failure('HTTPParserError', 'HPE_INVALID_CONSTANT', 'Expected HTTP/'),
  ];
  for (const error of afterSending) {
    it(`a follow-up that failed after it was sent (${error.code}) may have arrived, and is sent once`, async () => {
      const { rest, made } = restAnswering([error]);
      const thrown = await rest.post(FOLLOW_UP, { body: { content: 'hi' }, auth: false }).catch((e) => e);
      expect(deliveryUnconfirmed(thrown)).toBe(true);
      expect(made).toHaveLength(1);
    });
  }

  it('a follow-up whose try timed out (discord.js aborts it, then tries again) is sent once, unconfirmed', async () => {
    const { rest, made } = restAnswering([failure('AbortError', 'ABORT_ERR', 'This operation was aborted')]);
    const thrown = await rest.post(FOLLOW_UP, { body: { content: 'hi' }, auth: false }).catch((e) => e);
    expect(thrown).toBeInstanceOf(DeliveryUnconfirmed);
    expect(made).toHaveLength(1);
  });
});
