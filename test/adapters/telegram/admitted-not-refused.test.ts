// An error after the request's queue had admitted jobs (`Reply.admitted`) is no refusal: an edit of that request must
// not run it again (edits.ts reads `wasRefused`), or its admitted jobs would be queued twice. A plain error still is
// one. The real grammY client and TelegramReplies against the fake Bot API.
import { Context } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { TelegramReplies } from '../../../adapters/telegram/replies.js';
import { type CommandContext, type Reply, textReply } from '../../../commands/index.js';
import { botInfo } from './bot-info.js';
import { commandsDouble, useJobMessagesOnFake } from './job-messages-on-fake.js';

const world = useJobMessagesOnFake();

/** Sends `reply` as the answer to a new request; whether that request is then noted as refused. */
async function refusedAfter(reply: Reply): Promise<boolean> {
  const replies = new TelegramReplies(world.api, world.jobMessages, commandsDouble);
  const request = world.fake.injectText('/imagine a fox\n/imagine a hen');
  const ctx = new Context({ update_id: 1, message: request } as Update, world.api, botInfo(42));
  const c = { locale: 'en', user: { platform: 'telegram', userId: String(request.chat.id) }, settings: {} };
  await replies.send(ctx, c as CommandContext, reply);
  return replies.wasRefused(request);
}

describe('Telegram: which answers note their request as refused', { timeout: 30_000 }, () => {
  it('an error naming jobs its request queued all the same is not a refusal', async () => {
    const admitted: Reply = {
      text: [{ key: 'errors.generic' }, { key: 'job.queued_before_error', params: { ids: '00000000' } }],
      admitted: { jobs: ['00000000-0000-4000-8000-000000000092'] },
    };
    expect(await refusedAfter(admitted)).toBe(false);
  });

  it('a plain error is one', async () => {
    expect(await refusedAfter({ text: [{ key: 'errors.generic' }], ephemeral: true })).toBe(true);
  });

  it('an id naming no job is one: the request edited to a right id runs', async () => {
    expect(await refusedAfter(textReply('cancel.unknown_id', { id: '“abcd”' }))).toBe(true);
  });
});
