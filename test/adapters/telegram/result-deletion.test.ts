// An image result whose lines do not fit a photo's caption (1024) goes on in messages answering the photo. Delete on
// the photo removes them too: the job's messages record every message its ending was sent as (job-messages.ts), and
// the press deletes them all in one deleteMessages (result-deletion.ts), in the chat it was pressed in only; one past
// 48 hours does not keep the others. A result sent outside its ending is recorded as well (replies.ts): a grid's pick
// and a fetched file. The real grammY client, TelegramJobMessages and TelegramReplies against the fake Bot API; the
// commands' answer to the press is a double.
import { Context } from 'grammy';
import type { Message } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { PIECE_KEY } from '../../../adapters/shared/reply-parts.js';
import { onButton, type PressDeps } from '../../../adapters/telegram/button-presses.js';
import { LaterParts } from '../../../adapters/telegram/list-parts.js';
import { TelegramReplies } from '../../../adapters/telegram/replies.js';
import type { CommandContext, Reply } from '../../../commands/index.js';
import type { Job } from '../../../src/jobs/index.js';
import { solidPng } from '../e2e-services.js';
import { botInfo } from './bot-info.js';
import { commandsDouble, useJobMessagesOnFake } from './job-messages-on-fake.js';

const me = botInfo(42);

const world = useJobMessagesOnFake();

/** The context of Alice's press in her private chat, as the replies to it see it. */
const alicePressing = (ctx: Context) =>
  ({
    locale: 'en',
    user: { platform: 'telegram', userId: String(ctx.from?.id) },
    settings: {},
  }) as CommandContext;

/** The commands as a press on Delete sees them: the press is the owner's, so the source goes. */
function pressDepsDouble(jobId: string): PressDeps {
  const unused = () => Promise.reject(new Error('not part of a Delete press'));
  return {
    commands: {
      pressButton: async () => ({ text: [], deleteSource: true, jobId }),
      delivered: () => undefined,
    },
    presses: { repeated: () => false },
    questions: { ask: unused },
    replies: { send: unused, laterParts: new LaterParts() },
    endings: world.jobMessages,
    context: (ctx) =>
      ({ locale: 'en', user: { platform: 'telegram', userId: String(ctx.from?.id) } }) as CommandContext,
    log: { warn: () => undefined },
  };
}

let jobCount = 0;
/** A job of Alice's in her private chat, its status message sent, ended with `ending`; what it was shown in. */
async function endedJob(ending: (jobId: string) => Promise<Reply>) {
  jobCount += 1;
  const jobId = `00000000-0000-4000-8000-${String(jobCount).padStart(12, '0')}`;
  const request = world.fake.injectText('/imagine a fox with a long story');
  const chatId = request.chat.id;
  const queued: Reply = { text: [{ key: 'job.queued_now' }], jobId, startsJob: true };
  const parameters = { reply_parameters: { message_id: request.message_id } };
  const status = await world.api.sendMessage(chatId, 'Queued', parameters);
  const place = { chatId, replyTo: request.message_id, locale: 'en' as const, group: false, previews: false };
  world.jobMessages.open(jobId, queued, chatId, false, {
    ...place,
    messageId: status.message_id,
    text: 'Queued',
  });
  const from = world.fake.calls.length;
  await world.jobMessages.update({ id: jobId, meta: {} } as Job, await ending(jobId));
  const sent = world.fake.calls
    .slice(from)
    .filter((c) => (c.method === 'sendPhoto' || c.method === 'sendMessage') && c.status === 200)
    .map((c) => c.result as Message);
  return { jobId, chatId, request, status, sent };
}

/** An image result with 30 lines of 200 characters: some 1000 fit the caption, the rest two messages more. */
async function longImageResult(jobId: string): Promise<Reply> {
  const line = (i: number) => ({ key: PIECE_KEY, params: { text: `${i} `.padEnd(200, 'x') } });
  return {
    jobId,
    final: true,
    outcome: 'done',
    text: Array.from({ length: 30 }, (_, i) => line(i)),
    images: [{ data: await solidPng('#3a6'), filename: 'result.png', mime: 'image/png' }],
    buttons: [[{ id: `delete:${jobId}`, labelKey: 'button.delete', style: 'danger', ownerOnly: true }]],
  };
}

const press = (message: Message, data: string) =>
  new Context({ update_id: 1, callback_query: world.fake.injectCallbackQuery(message, data) }, world.api, me);

const idsOf = (messages: readonly Message[]) => messages.map((m) => m.message_id);
const left = (chatId: number, ids: readonly number[]) =>
  ids.filter((id) => world.fake.message(chatId, id) !== undefined);

describe('Telegram: Delete on an image result', { timeout: 30_000 }, () => {
  it('removes the photo and every message its caption went on in; the status message went already', async () => {
    const { jobId, chatId, request, status, sent } = await endedJob(longImageResult);
    const [photo, ...rest] = sent;
    expect(photo?.photo).toBeDefined();
    expect(rest.length).toBe(2);
    for (const message of rest) expect(message.reply_to_message?.message_id).toBe(photo?.message_id);
    expect(world.fake.message(chatId, status.message_id)).toBeUndefined();

    await onButton(pressDepsDouble(jobId), press(photo as Message, `delete:${jobId}`));
    expect(left(chatId, idsOf(sent))).toEqual([]);
    expect(world.fake.message(chatId, request.message_id)).toBeDefined();
    // All three in one call; the status message, deleted as the result came, not again.
    const deletes = world.fake.calls.filter((c) => c.method.startsWith('deleteMessage')).slice(-1);
    expect(deletes.map((c) => [c.method, c.params.message_ids])).toEqual([['deleteMessages', idsOf(sent)]]);
    expect(world.fake.callsTo('deleteMessage').map((c) => c.params.message_id)).toContain(status.message_id);
  });

  it('a message past 48 hours refuses the one call: each is then tried alone, and the others go', async () => {
    const { jobId, chatId, sent } = await endedJob(longImageResult);
    const [photo, old, young] = sent as [Message, Message, Message];
    world.fake.ageMessage(chatId, old.message_id);
    await onButton(pressDepsDouble(jobId), press(photo, `delete:${jobId}`));
    expect(left(chatId, idsOf(sent))).toEqual([old.message_id]);
    expect(world.fake.message(chatId, young.message_id)).toBeUndefined();
  });

  it('pressed in another chat, only the pressed message goes', async () => {
    const { jobId, chatId, sent } = await endedJob(longImageResult);
    const elsewhere = world.fake.injectText('/queue', {
      chat: world.fake.world.group,
      from: world.fake.world.users.alice,
    });
    const copy = await world.api.sendMessage(elsewhere.chat.id, 'a copy of the result');
    await onButton(pressDepsDouble(jobId), press(copy, `delete:${jobId}`));
    expect(world.fake.message(elsewhere.chat.id, copy.message_id)).toBeUndefined();
    expect(left(chatId, idsOf(sent))).toHaveLength(3);
  });
});

describe('Telegram: Delete on a result sent outside its ending', { timeout: 30_000 }, () => {
  const replies = () => new TelegramReplies(world.api, world.jobMessages, commandsDouble);
  /** Messages the replies sent from `from` on. */
  const sentSince = (from: number) =>
    world.fake.calls
      .slice(from)
      .filter((c) => c.method.startsWith('send') && c.status === 200)
      .map((c) => c.result as Message);

  it("a grid's pick: Delete removes its photo and the messages its caption went on in", async () => {
    // The grid's message: only where the number was pressed matters here.
    const grid = await world.api.sendMessage(
      world.fake.injectText('/imagine a fox --n 2').chat.id,
      'the grid',
    );
    jobCount += 1;
    const pickId = `00000000-0000-4000-8000-${String(jobCount).padStart(12, '0')}`;
    const from = world.fake.calls.length;
    const taken = press(grid, `pick_1:${pickId}`);
    await replies().send(taken, alicePressing(taken), await longImageResult(pickId));
    const sent = sentSince(from);
    expect(sent.length).toBe(3);

    await onButton(pressDepsDouble(pickId), press(sent[0] as Message, `delete:${pickId}`));
    expect(left(grid.chat.id, idsOf(sent))).toEqual([]);
    expect(world.fake.message(grid.chat.id, grid.message_id)).toBeDefined();
  });

  it("a result's file fetched later (Original file, /queue): Delete on the result removes it too", async () => {
    const { jobId, chatId, sent } = await endedJob(longImageResult);
    const [photo] = sent as [Message];
    const from = world.fake.calls.length;
    const fetching = press(photo, `original:${jobId}`);
    const file = { data: await solidPng('#3a6'), filename: 'dimoo.png', mime: 'image/png' as const };
    await replies().send(fetching, alicePressing(fetching), {
      text: [],
      asFiles: true,
      images: [file],
      delivers: [jobId],
    });
    const [document] = sentSince(from);
    expect(document?.document).toBeDefined();

    await onButton(pressDepsDouble(jobId), press(photo, `delete:${jobId}`));
    expect(left(chatId, [...idsOf(sent), document?.message_id as number])).toEqual([]);
  });
});
