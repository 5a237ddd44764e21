// The Telegram adapter where many people share a chat, with the real grammY client against the fake Bot API on the
// engine double: a refused or personal button answer is an alert for the presser alone (a message would reach the
// whole group and spend its shared flood budget), a question is asked of the presser alone and answered only by
// them, and in a forum every message and chat action of a job stays in the topic it was asked in.
import type { Chat, Message, User } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { jobIdIn, textOf, useTelegramOnFake } from './telegram-on-fake.js';

const FORUM: Chat.SupergroupChat = { id: -100300400, type: 'supergroup', title: 'Forum', is_forum: true };
const TOPIC = 7;

// Slow enough (6 × 80 ms) that a request can be deleted while its job runs.
const bot = useTelegramOnFake('telegram-groups', new TimedEngineDouble(80, 6), {
  env: { QUEUE_MAX_PER_USER: '10' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const markupOf = (call: TelegramCall) => JSON.stringify(call.params.reply_markup ?? '');
const sentIndex = (call: TelegramCall) => fake.calls.indexOf(call);
const messageOf = (call: TelegramCall) => {
  const sent = call.result as Message;
  return fake.message(sent.chat.id, sent.message_id) as Message;
};

/** The status message answering `request` and the job it names. */
const { statusOf } = bot;

/** A status message answering `request` for a job other than `known`. */
async function nextStatusOf(request: Message, ...known: string[]) {
  const call = await fake.waitForCall(
    (c) =>
      c.method === 'sendMessage' &&
      c.params.chat_id === request.chat.id &&
      c.params.reply_parameters?.message_id === request.message_id &&
      jobIdIn(c) !== undefined &&
      !known.includes(jobIdIn(c) as string),
    10_000,
  );
  return { jobId: jobIdIn(call) as string, call };
}

/** The job's result photo, once sent. */
const resultOf = (jobId: string) =>
  fake.waitForCall(
    (c) => c.method === 'sendPhoto' && c.status === 200 && markupOf(c).includes(`reroll:${jobId}`),
    15_000,
  );

/** The answer to the callback query `id`. */
const answerOf = (id: string) =>
  fake.waitForCall((c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === id, 10_000);

/** Handled once a later update of the same chat is answered (a chat's updates are handled in order). */
async function settled(chat: 'group' | Chat, from: User, thread?: number) {
  const marker = fake.injectText('/queue', { chat, from, ...(thread === undefined ? {} : { thread }) });
  await fake.waitForCall(
    (c) =>
      c.method === 'sendMessage' &&
      c.params.chat_id === marker.chat.id &&
      c.params.reply_parameters?.message_id === marker.message_id,
    10_000,
  );
}

describe('Telegram in groups', { timeout: 60_000 }, () => {
  it('a refused Cancel or Delete is an alert for the presser, never a message to the group; a job-starting press still answers in the chat', async () => {
    const { alice, bob } = fake.world.users;
    const group = fake.world.group.id;
    const request = fake.injectText('/imagine a fox of alice’s', { chat: 'group', from: alice });
    const { jobId, call } = await statusOf(request);
    const from = fake.calls.length;

    // Bob's Telegram is in Chinese: the alert is in his language.
    const cancel = fake.injectCallbackQuery(messageOf(call), `cancel:${jobId}`, bob);
    expect((await answerOf(cancel.id)).params).toMatchObject({
      text: t('zh-CN', 'job.cancel_refused'),
      show_alert: true,
    });
    const result = await resultOf(jobId);
    const del = fake.injectCallbackQuery(messageOf(result), `delete:${jobId}`, bob);
    expect((await answerOf(del.id)).params).toMatchObject({
      text: t('zh-CN', 'errors.button.owner_only'),
      show_alert: true,
    });
    expect(fake.message(group, (result.result as Message).message_id)).toBeDefined();
    const refusals = [t('zh-CN', 'job.cancel_refused'), t('zh-CN', 'errors.button.owner_only')];
    expect(
      fake.calls.slice(from).filter((c) => c.method === 'sendMessage' && refusals.includes(textOf(c))),
    ).toEqual([]);

    // Re-roll starts a job: its status is a message in the chat, as before, and the press is answered silently.
    const reroll = fake.injectCallbackQuery(messageOf(result), `reroll:${jobId}`, bob);
    const status = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' &&
        sentIndex(c) >= from &&
        c.params.chat_id === group &&
        jobIdIn(c) !== undefined &&
        jobIdIn(c) !== jobId,
      10_000,
    );
    expect(textOf(status)).not.toBe('');
    expect((await answerOf(reroll.id)).params.text).toBeUndefined();
    await resultOf(jobIdIn(status) as string);
  });

  it('a question asks the presser alone (selective ForceReply) and takes only their answer', async () => {
    const { alice, bob } = fake.world.users;
    const request = fake.injectText('/imagine a hat for alice', { chat: 'group', from: alice });
    const { jobId } = await statusOf(request);
    const result = messageOf(await resultOf(jobId));

    // Alice's own result replies to her request: her question replies to it too, which makes `selective` hers.
    const from = fake.calls.length;
    fake.injectCallbackQuery(result, `edit:${jobId}`, alice);
    const asked = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && sentIndex(c) >= from && textOf(c) === t('en', 'ask.edit.label'),
      10_000,
    );
    expect(asked.params.reply_markup).toMatchObject({ force_reply: true, selective: true });
    expect(asked.params.reply_parameters?.message_id).toBe(request.message_id);

    // Bob asks about Alice's result: nothing of his is replied to, so the question names him.
    fake.injectCallbackQuery(result, `edit:${jobId}`, bob);
    const bobs = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && sentIndex(c) > sentIndex(asked) && /force_reply/.test(markupOf(c)),
      10_000,
    );
    expect(bobs.params.reply_markup).toMatchObject({ force_reply: true, selective: true });
    expect(textOf(bobs)).toBe(`${bob.first_name}: ${t('zh-CN', 'ask.edit.label')}`);
    expect(bobs.params.entities).toEqual([
      { type: 'text_mention', offset: 0, length: bob.first_name.length, user: bob },
    ]);

    // Bob's reply to Alice's question is an ordinary message: no job for him, none in her name.
    const question = messageOf(asked);
    const aliceOwner = { platform: 'telegram' as const, userId: String(alice.id) };
    const bobOwner = { platform: 'telegram' as const, userId: String(bob.id) };
    const before = bot.services.jobs.store.recentOf(aliceOwner, 1)[0]?.id;
    const bobsJobs = bot.services.jobs.store.recentOf(bobOwner, 50).length;
    fake.injectText('make it night', { chat: 'group', from: bob, replyTo: question });
    await settled('group', bob);
    expect(bot.services.jobs.store.recentOf(bobOwner, 50)).toHaveLength(bobsJobs);
    expect(bot.services.jobs.store.recentOf(aliceOwner, 1)[0]?.id).toBe(before);

    // Alice's answer is the edit.
    fake.injectText('make it night', { chat: 'group', from: alice, replyTo: question });
    await expect
      .poll(() => bot.services.jobs.store.recentOf(aliceOwner, 1)[0]?.id, { timeout: 10_000 })
      .not.toBe(before);
    expect(bot.services.jobs.store.recentOf(aliceOwner, 1)[0]?.request).toMatchObject({
      prompt: 'make it night',
    });
  });

  it('a job from one’s own result replies to one’s request, so Telegram notifies them; again from that job’s result', async () => {
    const { alice } = fake.world.users;
    const request = fake.injectText('/imagine a fox for alice to re-roll', { chat: 'group', from: alice });
    const first = await statusOf(request);
    const result = messageOf(await resultOf(first.jobId));
    fake.injectCallbackQuery(result, `reroll:${first.jobId}`, alice);
    // The status message of the re-roll answers Alice's request, not the bot's result; it names nobody.
    const reroll = await nextStatusOf(request, first.jobId);
    expect(reroll.call.params.entities).toBeUndefined();
    const rerolled = await resultOf(reroll.jobId);
    expect(rerolled.params.reply_parameters?.message_id).toBe(request.message_id);

    // Pressed on the re-roll's result, even as Telegram gives it without the message it replies to: the stored
    // place of the re-roll names Alice's request.
    const bare = { ...messageOf(rerolled), reply_to_message: undefined } as Message;
    fake.injectCallbackQuery(bare, `reroll:${reroll.jobId}`, alice);
    const again = await nextStatusOf(request, first.jobId, reroll.jobId);
    expect(textOf(again.call)).not.toMatch(/^Alice: /);
    expect((await resultOf(again.jobId)).params.reply_parameters?.message_id).toBe(request.message_id);
  });

  it('a job from someone else’s result stays under it and its first status message names the presser', async () => {
    const { alice, bob } = fake.world.users;
    const request = fake.injectText('/imagine a fox bob will re-roll', { chat: 'group', from: alice });
    const { jobId } = await statusOf(request);
    const result = messageOf(await resultOf(jobId));
    fake.injectCallbackQuery(result, `reroll:${jobId}`, bob);
    const status = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' &&
        c.params.chat_id === fake.world.group.id &&
        c.params.reply_parameters?.message_id === result.message_id &&
        jobIdIn(c) !== undefined,
      10_000,
    );
    expect(textOf(status)).toMatch(new RegExp(`^${bob.first_name}: .+`));
    expect(status.params.entities).toEqual([
      { type: 'text_mention', offset: 0, length: bob.first_name.length, user: bob },
    ]);
    const bobsResult = await resultOf(jobIdIn(status) as string);
    expect(bobsResult.params.reply_parameters?.message_id).toBe(result.message_id);
  });

  it('in a private chat a job from a result stays under the result and names nobody', async () => {
    const { alice } = fake.world.users;
    const { jobId } = await statusOf(fake.injectText('/imagine a private fox', { from: alice }));
    const result = messageOf(await resultOf(jobId));
    fake.injectCallbackQuery(result, `reroll:${jobId}`, alice);
    const reroll = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' &&
        c.params.chat_id === alice.id &&
        jobIdIn(c) !== undefined &&
        jobIdIn(c) !== jobId,
      10_000,
    );
    expect(reroll.params.reply_parameters?.message_id).toBe(result.message_id);
    expect(reroll.params.entities).toBeUndefined();
  });

  it('in a forum topic, every message and chat action of a job stays in the topic, even once the request is deleted', async () => {
    const { alice } = fake.world.users;
    const from = fake.calls.length;
    const request = fake.injectText('/imagine a fox in a topic', { chat: FORUM, from: alice, thread: TOPIC });
    const { jobId } = await statusOf(request);
    // The result can no longer reply to the request: only message_thread_id keeps it in the topic.
    fake.deleteMessage(FORUM.id, request.message_id);
    const result = await resultOf(jobId);
    await expect.poll(() => bot.deliveries.get(jobId), { timeout: 10_000 }).toBe('replied');
    expect(result.params.message_thread_id).toBe(TOPIC);
    expect(messageOf(result).message_thread_id).toBe(TOPIC);

    // A question asked from the result stays in the topic too.
    fake.injectCallbackQuery(messageOf(result), `edit:${jobId}`, alice);
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && sentIndex(c) >= from && /force_reply/.test(markupOf(c)),
      10_000,
    );
    const inForum = fake.calls
      .slice(from)
      .filter(
        (c) => /^send(Message|Photo|Document|ChatAction)$/.test(c.method) && c.params.chat_id === FORUM.id,
      );
    expect(inForum.map((c) => c.method)).toContain('sendChatAction');
    for (const call of inForum)
      expect([call.method, call.params.message_thread_id]).toEqual([call.method, TOPIC]);
    expect(inForum.every((c) => c.status === 200)).toBe(true);
  });

  it('outside topics no message_thread_id is sent', () => {
    const groupSends = fake.calls.filter(
      (c) => /^send/.test(c.method) && c.params.chat_id !== FORUM.id && 'message_thread_id' in c.params,
    );
    expect(groupSends).toEqual([]);
  });
});
