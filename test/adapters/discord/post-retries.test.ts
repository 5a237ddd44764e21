// discord.js's REST client with the adapter's request function (post-retries.ts): a 5xx or a reset connection is
// retried for every request except a message post that a retry would make twice.
import { REST } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  DeliveryUnconfirmed,
  deliveryUnconfirmed,
  postingOnce,
} from '../../../adapters/discord/post-retries.js';

type Answer = number | 'reset';

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
});
