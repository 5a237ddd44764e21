// Edited requests on Telegram, through the real grammY client and the fake Bot API: an edit of a request whose job
// still waits replaces the job and takes over its status message; an edit once the job runs is answered once that it
// came too late; an edit of a refused command runs it; edits of chat messages and edits that change nothing are
// ignored. A slow engine keeps a blocker running so the jobs under test wait.
import type { Message, User } from 'grammy/types';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Job, Owner } from '../../../src/jobs/index.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { jobIdIn, newUsers, repliesTo, textOf, useTelegramOnFake } from './telegram-on-fake.js';

// 40 steps of 50 ms: a job runs for two seconds. The blocker, and the job an edit comes too late for, run until
// cancelled (each test's end cancels its jobs): their two seconds stood in for "still running", which a loaded
// machine's round trips could outlast (the job waiting behind the blocker then started before its edit came, or the
// started job was done before it was looked at).
const engine = new TimedEngineDouble(50, 40);
const HELD = ['blocker', 'a fox'];
const generate = engine.generate.bind(engine);
engine.generate = async (request, options) => {
  const signal = options?.signal;
  if ('prompt' in request && HELD.includes(request.prompt))
    await new Promise<void>((resolve) => {
      if (!signal || signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  return generate(request, options);
};
const bot = useTelegramOnFake('telegram-edits', engine, {
  env: { QUEUE_MAX_PER_USER: '10', RATE_LIMIT_PER_MINUTE: '6' },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));
const owners: Owner[] = [];

afterEach(() => {
  // Nothing of one test runs on into the next: every job it made is cancelled.
  for (const owner of owners.splice(0)) {
    for (const job of bot.services.jobs.store.recentOf(owner, 20))
      bot.services.jobs.queue.cancel(job.id, owner);
  }
});

const nextUser = newUsers(7000);
function newUser(): User {
  const user = nextUser();
  owners.push({ platform: 'telegram', userId: String(user.id) });
  return user;
}

/** The status message answering `request`, and the job it names. */
const { statusOf, takeoverOf } = bot;

const jobOf = (id: string): Job | undefined => bot.services.jobs.queue.get(id);
const promptOf = (job: Job | undefined) => (job?.request as { prompt?: string } | undefined)?.prompt;

/** A job of another user that occupies the worker, so the next ones wait. */
async function blocker(): Promise<string> {
  const request = fake.injectText('/imagine blocker', { from: newUser() });
  const { jobId } = await statusOf(request);
  await expect.poll(() => jobOf(jobId)?.status, { timeout: 10_000 }).toBe('running');
  return jobId;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Telegram: edited requests', { timeout: 60_000 }, () => {
  it('an edit of a waiting request replaces its job and takes over its status message', async () => {
    const blockerId = await blocker();
    const from = newUser();
    const request = fake.injectText('/imagine a cta', { from });
    const old = await statusOf(request);
    expect(jobOf(old.jobId)?.status).toBe('queued');
    const sentBefore = fake.callsTo('sendMessage').length;

    fake.injectEdit(request, '/imagine a cat');
    const takeover = await takeoverOf(old, from.id);
    const next = jobIdIn(takeover) as string;
    expect(jobOf(old.jobId)?.status).toBe('cancelled');
    expect(promptOf(jobOf(next))).toBe('a cat');
    // The old job's ending never showed: the message went from the old job's state straight to the new one's.
    expect(
      fake.callsTo(
        (c) =>
          String(c.params.chat_id) === String(from.id) &&
          c.params.message_id === old.messageId &&
          textOf(c) === t('en', 'job.cancelled'),
      ),
    ).toEqual([]);
    expect(fake.callsTo('sendMessage').length).toBe(sentBefore);
    // The blocker, held until cancelled, makes way for the edited job.
    const blocking = jobOf(blockerId);
    if (blocking) bot.services.jobs.queue.cancel(blocking.id, blocking.owner);
    // The result answers the edited message, as it would have answered the original.
    const photo = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && JSON.stringify(c.params.reply_markup).includes(`reroll:${next}`),
      20_000,
    );
    expect(repliesTo(request)(photo)).toBe(true);
  });

  it('a user at the rate limit may still fix a waiting request by editing it (once per replaced job)', async () => {
    await blocker();
    const from = newUser();
    // RATE_LIMIT_PER_MINUTE is 6 here: six requests take the minute's slots.
    const requests: Message[] = [];
    for (let i = 1; i <= 6; i++) requests.push(fake.injectText(`/imagine boat ${i}`, { from }));
    const statuses = [];
    for (const request of requests) statuses.push(await statusOf(request));
    const last = statuses[5] as { jobId: string; messageId: number };
    const refused = fake.injectText('/imagine one more', { from });
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && repliesTo(refused)(c) && /going too fast/.test(textOf(c) ?? ''),
      10_000,
    );

    fake.injectEdit(requests[5] as Message, '/imagine a sailboat');
    const takeover = await takeoverOf(last);
    expect(promptOf(jobOf(jobIdIn(takeover) as string))).toBe('a sailboat');
    expect(jobOf(last.jobId)?.status).toBe('cancelled');
  });

  it('an edit of a waiting photo’s caption replaces its job, from the same photo', async () => {
    await blocker();
    const from = newUser();
    const photo = fake.registerFile(await solidPng('#48c'));
    const request = fake.injectPhoto(photo, { caption: '/edit make it bluer', from });
    const old = await statusOf(request);
    const downloads = fake.callsTo('downloadFile').length;
    fake.injectEdit(request, '/edit make it greener');
    const takeover = await takeoverOf(old, from.id);
    expect(jobOf(old.jobId)?.status).toBe('cancelled');
    expect(promptOf(jobOf(jobIdIn(takeover) as string))).toContain('greener');
    expect(fake.callsTo('downloadFile').length).toBeGreaterThan(downloads);
  });

  it('an edit into something refused ends the waiting job and says why in its status message', async () => {
    await blocker();
    const from = newUser();
    const request = fake.injectText('/imagine a hosre', { from });
    const old = await statusOf(request);
    fake.injectEdit(request, '/imagine');
    await expect
      .poll(() => fake.message(from.id, old.messageId)?.text, { timeout: 10_000 })
      .toBe(t('en', 'errors.prompt_empty'));
    expect(jobOf(old.jobId)?.status).toBe('cancelled');
    // No Cancel button is left for a job that is gone.
    expect(fake.message(from.id, old.messageId)?.reply_markup).toBeUndefined();
    // Edited back as it first was, the request runs again: the cancelled job's version is not in effect.
    fake.injectEdit(request, '/imagine a hosre');
    const again = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && repliesTo(request)(c) && ![undefined, old.jobId].includes(jobIdIn(c)),
      10_000,
    );
    expect(promptOf(jobOf(jobIdIn(again) as string))).toBe('a hosre');
  });

  it('an edit once the job has started changes nothing and is answered once, briefly', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine a fox', { from });
    const { jobId } = await statusOf(request);
    await expect.poll(() => jobOf(jobId)?.status, { timeout: 10_000 }).toBe('running');
    fake.injectEdit(request, '/imagine a wolf');
    const notice = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && textOf(c) === t('en', 'job.edit_too_late'),
      10_000,
    );
    expect(repliesTo(request)(notice)).toBe(true);
    fake.injectEdit(request, '/imagine a grey wolf');
    fake.injectText('/help', { from });
    await fake.waitForCall((c) => c.method === 'sendMessage' && textOf(c).startsWith(t('en', 'help.text')));
    expect(fake.callsTo((c) => textOf(c) === t('en', 'job.edit_too_late'))).toHaveLength(1);
    expect(jobOf(jobId)?.status).toBe('running');
    expect(promptOf(jobOf(jobId))).toBe('a fox');
  });

  it('an edit of a refused command runs the fixed command, answering the edited message', async () => {
    const from = newUser();
    const request = fake.injectText('/imagine', { from });
    await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && textOf(c) === t('en', 'errors.prompt_empty') && repliesTo(request)(c),
    );
    fake.injectEdit(request, '/imagine a dog');
    const { jobId } = await statusOf(request);
    expect(promptOf(jobOf(jobId))).toBe('a dog');
  });

  it('ignores edits of chat messages and edits that change nothing', async () => {
    await blocker();
    const from = newUser();
    const chat = fake.injectText('hello all', { from, chat: 'group' });
    const request = fake.injectText('/imagine a bird', { from, chat: 'group' });
    const { jobId, messageId } = await statusOf(request);
    const sent = () => fake.callsTo('sendMessage').length;
    const before = sent();
    fake.injectEdit(chat, 'hello everyone');
    // Telegram sends an edit whose text stayed the same (a link preview added): nothing to redo.
    fake.injectEdit(request, '/imagine a bird');
    fake.injectText('/queue', { from, chat: 'group' });
    await fake.waitForCall((c) => c.method === 'sendMessage' && textOf(c).includes(jobId.slice(0, 8)));
    await wait(200);
    // Only the /queue answer.
    expect(sent()).toBe(before + 1);
    expect(jobOf(jobId)?.status).toBe('queued');
    const group = String(fake.world.group.id);
    const edits = fake.callsTo(
      (c) =>
        c.method === 'editMessageText' &&
        String(c.params.chat_id) === group &&
        c.params.message_id === messageId,
    );
    expect(edits).toEqual([]);
  });
});
