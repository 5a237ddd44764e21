// A job's first reply too long for one message whose first message Telegram answered 5xx (it may have arrived): the
// job goes on without a status message, its ending sent anew (job-messages.ts `openUnseen`), and the reply's further
// messages still go: they are lines of this answer, not the job's status, and nothing the job sends later repeats
// them. The real grammY client, TelegramJobMessages and TelegramReplies against the fake Bot API.
import { Context } from 'grammy';
import type { Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { PIECE_KEY } from '../../../adapters/shared/reply-parts.js';
import { TelegramReplies } from '../../../adapters/telegram/replies.js';
import type { CommandContext, Reply } from '../../../commands/index.js';
import type { Job } from '../../../src/jobs/index.js';
import { botInfo } from './bot-info.js';
import { commandsDouble, useJobMessagesOnFake } from './job-messages-on-fake.js';

const world = useJobMessagesOnFake();

describe('Telegram: a job’s long first reply answered 5xx', { timeout: 30_000 }, () => {
  it('still sends the reply’s further messages, once each; the ending comes once, anew', async () => {
    const replies = new TelegramReplies(world.api, world.jobMessages, commandsDouble);
    const request = world.fake.injectText('/imagine a fox with a long story');
    const chatId = request.chat.id;
    const ctx = new Context({ update_id: 1, message: request } as Update, world.api, botInfo(42));
    const c = { locale: 'en', user: { platform: 'telegram', userId: String(chatId) }, settings: {} };
    const jobId = '00000000-0000-4000-8000-000000000091';
    // Three messages' worth: 30 lines of 400 characters.
    const line = (i: number) => ({ key: PIECE_KEY, params: { text: `line ${i} `.padEnd(400, 'x') } });
    const queued: Reply = { text: Array.from({ length: 30 }, (_, i) => line(i)), jobId, startsJob: true };
    const toChat = (c: { method: string; params: Record<string, unknown> }) =>
      c.method === 'sendMessage' && String(c.params.chat_id) === String(chatId);
    world.fake.failMethod(toChat, { errorCode: 502, description: 'Bad Gateway' });
    const from = world.fake.calls.length;

    await replies.send(ctx, c as CommandContext, queued);

    const sends = () => world.fake.calls.slice(from).filter(toChat);
    expect(sends().map((call) => call.status)).toEqual([502, 200, 200]);
    const texts = sends().map((call) => String(call.params.text));
    for (let i = 0; i < 30; i++) expect(texts.filter((t) => t.includes(`line ${i} `)).length).toBe(1);

    await world.jobMessages.update({ id: jobId, meta: {} } as Job, {
      jobId,
      final: true,
      outcome: 'cancelled',
      text: [{ key: 'job.cancelled' }],
    });
    const after = sends().slice(3);
    expect(after.map((call) => call.status)).toEqual([200]);
    expect(texts.some((t) => t.includes(String(after[0]?.params.text)))).toBe(false);
  });
});
