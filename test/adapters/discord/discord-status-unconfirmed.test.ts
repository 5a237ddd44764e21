// An ending marked undelivered says "Discord did not confirm it; if you don't see it, /queue lists it" only where a
// post of it failed without a refusal (status.ts): a failure before anything was posted (the channel or the DM could
// not be looked up or opened) left nothing that could be showing, and the status message says nothing of the kind.
import { type Client, HTTPError, type MessageCreateOptions, type RepliableInteraction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordStatus } from '../../../adapters/discord/status.js';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';

const UNSURE = t('en', 'discord.undelivered_unsure');
const ENDING: Reply = {
  jobId: 'job-1',
  final: true,
  outcome: 'done',
  text: [{ key: 'job.answer', params: { text: 'ok' } }],
};

/** A 5xx that stayed after discord.js's retries, for a request of `method` on `path`. */
function unavailable(method: string, path: string): HTTPError {
  return new HTTPError(503, 'Service Unavailable', method, `http://discord.invalid/api/v10${path}`, {
    body: undefined,
    files: undefined,
  });
}

type Failing = 'lookup' | 'open' | 'post';

/** A DiscordStatus on a stubbed client whose ending fails at `failing`; its status edits are recorded. */
function statusFailingAt(failing: Failing, privately: boolean) {
  const edits: unknown[] = [];
  const posts: MessageCreateOptions[] = [];
  let lookups = 0;
  const send = async (options: MessageCreateOptions) => {
    posts.push(options);
    if (failing === 'post') throw unavailable('POST', '/channels/5/messages');
    return { id: '7' };
  };
  const channel = {
    isSendable: () => true,
    isTextBased: () => true,
    send,
    messages: { edit: async (_id: string, payload: unknown) => edits.push(payload) },
  };
  const user = {
    createDM: async () => {
      if (failing === 'open') throw unavailable('POST', '/users/@me/channels');
      return { send };
    },
  };
  const client = {
    channels: {
      // Only the ending's first look-up fails: the status message is reached afterwards.
      fetch: async () => {
        lookups += 1;
        if (failing === 'lookup' && lookups === 1) throw unavailable('GET', '/channels/5');
        return channel;
      },
    },
    users: { fetch: async () => user },
  } as unknown as Client;
  const interaction = {
    editReply: async (payload: unknown) => edits.push(payload),
  } as unknown as RepliableInteraction;
  const status = new DiscordStatus(
    client,
    { channelId: '5', messageId: '6', userId: '8', locale: 'en', uploadLimit: 8 << 20, private: privately },
    privately ? interaction : undefined,
  );
  return { status, edits, posts };
}

async function undeliveredNotes(failing: Failing, privately: boolean) {
  const { status, edits, posts } = statusFailingAt(failing, privately);
  await expect(status.replyToUser(ENDING)).rejects.toBeInstanceOf(HTTPError);
  await status.tellUndelivered();
  return { said: edits.filter((e) => JSON.stringify(e).includes(UNSURE)).length, posts: posts.length };
}

describe('Discord: an undelivered ending says it may be showing only where it was posted', () => {
  it('a channel post answered 5xx may have arrived: the status message says so', async () => {
    expect(await undeliveredNotes('post', false)).toEqual({ said: 1, posts: 1 });
  });

  it('a DM post answered 5xx may have arrived: the status message says so', async () => {
    expect(await undeliveredNotes('post', true)).toEqual({ said: 1, posts: 1 });
  });

  it('a channel that could not be looked up (5xx) got no post: nothing is said to be showing', async () => {
    expect(await undeliveredNotes('lookup', false)).toEqual({ said: 0, posts: 0 });
  });

  it('a DM channel that could not be opened (5xx) got no post: nothing is said to be showing', async () => {
    expect(await undeliveredNotes('open', true)).toEqual({ said: 0, posts: 0 });
  });
});
