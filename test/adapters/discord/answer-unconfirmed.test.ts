// A deferred answer whose edit Discord never confirmed (a 5xx after discord.js's retries) may be showing: the jobs
// it names go on, whether the first reply starts one itself or only carries them in its follow-ups (`Reply.more`),
// and the follow-ups are sent as usual. Only an answer that names no job fails on to the "try again" handler. So for
// an answer at once whose interaction callback was answered 5xx at every try: the last try may have been taken.
import { HTTPError, MessageFlags, MessageFlagsBitField, type RepliableInteraction } from 'discord.js';
import { describe, expect, it, vi } from 'vitest';
import { answer, REPLY_LOOKUP_MS } from '../../../adapters/discord/answer.js';
import type { DiscordRuntime } from '../../../adapters/discord/runtime.js';
import type { CommandContext, Reply } from '../../../commands/index.js';

/** An edit answered 503 at every try of discord.js: Discord may have made it. */
const unconfirmedEdit = () =>
  new HTTPError(503, 'Service Unavailable', 'PATCH', 'http://discord.invalid/api/v10/webhooks/1/t', {
    body: undefined,
    files: undefined,
  });

/** An interaction callback answered 503 at every try of discord.js: Discord may have taken it. */
const unconfirmedCallback = () =>
  new HTTPError(
    503,
    'Service Unavailable',
    'POST',
    'http://discord.invalid/api/v10/interactions/1/t/callback',
    {
      body: undefined,
      files: undefined,
    },
  );

const queued = (jobId: string): Reply => ({
  jobId,
  startsJob: true,
  text: [{ key: 'job.answer', params: { text: `queued ${jobId}` } }],
});

/** The runtime an answer is given on, its spies beside it. */
function runtimeStubs() {
  const withdraw = vi.fn();
  const delivered = vi.fn();
  const openFromInteraction = vi.fn();
  const keepShown = vi.fn();
  const rt = {
    commands: { withdraw, delivered },
    jobMessages: { openFromInteraction, keepShown },
    log: { warn: vi.fn(), debug: vi.fn() },
  } as unknown as DiscordRuntime;
  return { rt, withdraw, delivered, openFromInteraction, keepShown };
}

/**
 * An interaction whose answer Discord never confirmed; `lookup` is its `fetchReply`, the reply looked up through the
 * token. Answered at once, its callback refused by `refusal()` at every try; or (`'deferred'`) created long past the
 * acknowledgement budget, its edit after the deferral unconfirmed at every try.
 */
function interactionStub(lookup: () => Promise<unknown>, refusal: 'deferred' | (() => unknown)) {
  const followUp = vi.fn(async () => ({ id: 'follow-up', channelId: 'channel' }));
  const answering =
    refusal === 'deferred'
      ? {
          deferReply: vi.fn(async () => undefined),
          editReply: vi.fn(async () => {
            throw unconfirmedEdit();
          }),
        }
      : {
          reply: vi.fn(async () => {
            throw refusal();
          }),
        };
  const i = {
    // Deferred: long past, as the budget is its floor (200 ms), which `slowly`'s work outlasts.
    createdTimestamp: refusal === 'deferred' ? Date.now() - 60_000 : Date.now(),
    attachmentSizeLimit: 8 << 20,
    replied: false,
    deferred: false,
    ...answering,
    fetchReply: vi.fn(lookup),
    followUp,
  } as unknown as RepliableInteraction;
  return { i, followUp };
}

/** Work that outlasts the acknowledgement budget, so its answer comes after a deferral. */
const slowly = (reply: Reply) => () => new Promise<Reply>((resolve) => setTimeout(() => resolve(reply), 300));

/** `queued(jobId)` carrying the undelivered notice of an earlier job. */
const withNotice = (jobId: string): Reply => ({
  ...queued(jobId),
  text: [...queued(jobId).text, { key: 'job.undelivered_notice', params: { count: 1 }, tells: ['old-job'] }],
});

const ctx = { locale: 'en' } as CommandContext;

/** What an answer came to: 'answered', or what it threw. */
const outcomeOf = (answering: Promise<unknown>) =>
  answering.then(
    () => 'answered',
    (error: unknown) => error,
  );

/** Answers `reply` past the acknowledgement budget (so after a deferral) on stubs whose edit is never confirmed. */
async function answerDeferred(reply: Reply) {
  const { rt, withdraw } = runtimeStubs();
  // Looked up after the edit: still the deferral's "thinking…" message.
  const { i, followUp } = interactionStub(
    async () => ({ id: 'original', flags: new MessageFlagsBitField(MessageFlags.Loading) }),
    'deferred',
  );
  const outcome = await outcomeOf(answer(rt, i, ctx, slowly(reply), false));
  return {
    outcome,
    withdrawn: withdraw.mock.calls.map((call) => call[1]),
    followUps: followUp.mock.calls.length,
  };
}

describe('Discord: a deferred answer Discord did not confirm', () => {
  it('whose first reply starts a job: the job goes on', async () => {
    expect(await answerDeferred(queued('job-1'))).toEqual({
      outcome: 'answered',
      withdrawn: [],
      followUps: 0,
    });
  });

  it('whose first reply starts none but carries jobs in its follow-ups: they go on and are sent', async () => {
    const reply: Reply = {
      text: [{ key: 'job.answer', params: { text: 'two jobs' } }],
      more: [queued('job-2')],
    };
    expect(await answerDeferred(reply)).toEqual({ outcome: 'answered', withdrawn: [], followUps: 1 });
  });

  it('that names no job: the failure goes on to the error handler', async () => {
    const { outcome, withdrawn } = await answerDeferred({
      text: [{ key: 'job.answer', params: { text: 'hi' } }],
    });
    expect(outcome).toBeInstanceOf(HTTPError);
    expect(withdrawn).toEqual([]);
  });
});

/** Answers `reply` at once on stubs whose interaction callback is answered `error` at every try. */
async function answerAtOnce(reply: Reply, error: unknown) {
  const { rt, withdraw, openFromInteraction } = runtimeStubs();
  const shown = { id: 'original', channelId: 'channel' };
  const { i } = interactionStub(
    async () => shown,
    () => error,
  );
  const outcome = await outcomeOf(answer(rt, i, ctx, async () => reply, false));
  const opened = openFromInteraction.mock.calls[0]?.[4] as Promise<unknown> | undefined;
  return {
    outcome,
    withdrawn: withdraw.mock.calls.map((call) => call[1]),
    replied: i.replied,
    status: await opened?.catch(() => 'refused'),
  };
}

describe('Discord: an answer at once whose callback Discord did not confirm', () => {
  it('that starts a job: the job goes on, through the token as if taken, on the reply found there', async () => {
    expect(await answerAtOnce(queued('job-3'), unconfirmedCallback())).toEqual({
      outcome: 'answered',
      withdrawn: [],
      replied: true,
      status: { id: 'original', channelId: 'channel' },
    });
  });

  it('that names no job: the failure goes on to the error handler', async () => {
    const { outcome, withdrawn, replied } = await answerAtOnce(
      { text: [{ key: 'job.answer', params: { text: 'hi' } }] },
      unconfirmedCallback(),
    );
    expect(outcome).toBeInstanceOf(HTTPError);
    expect({ withdrawn, replied }).toEqual({ withdrawn: [], replied: false });
  });

  it('refused for good (not a 5xx): the job is withdrawn and the failure goes on', async () => {
    const refused = new Error('refused');
    const { outcome, withdrawn, status } = await answerAtOnce(queued('job-4'), refused);
    expect(outcome).toBe(refused);
    expect(withdrawn).toEqual([['job-4']]);
    expect(status).toBe('refused');
  });
});

/**
 * An answer at once carrying an undelivered notice (`tells`), its callback answered 5xx at every try, the reply then
 * looked up through the token: what `delivered` heard of it.
 */
async function noticeAnsweredAtOnce(found: boolean) {
  const { rt, delivered } = runtimeStubs();
  const { i } = interactionStub(async () => {
    if (!found) throw new Error('Unknown Webhook');
    return { id: 'original', channelId: 'channel' };
  }, unconfirmedCallback);
  const reply = withNotice('job-5');
  await answer(rt, i, ctx, async () => reply, false);
  return delivered.mock.calls.map((call) => call[1]);
}

describe('Discord: an answer at once Discord did not confirm, found through its token', () => {
  it('counts as sent: the undelivered notice in it is told, not shown again', async () => {
    expect(await noticeAnsweredAtOnce(true)).toEqual([
      [{ key: 'job.undelivered_notice', params: { count: 1 }, tells: ['old-job'] }],
    ]);
  });

  it('not found there: nothing of it counts', async () => {
    expect(await noticeAnsweredAtOnce(false)).toEqual([]);
  });
});

/**
 * A deferred answer carrying an undelivered notice, its edit answered 5xx at every try, then looked up through the
 * token: what `delivered` heard of it. `original` is what the lookup finds: the edited answer, the deferral's
 * "thinking…" message still (the edit never landed), or nothing.
 */
async function noticeAnsweredDeferred(original: 'edited' | 'loading' | 'none') {
  const { rt, delivered, openFromInteraction } = runtimeStubs();
  const shown = {
    id: 'original',
    channelId: 'channel',
    flags: new MessageFlagsBitField(original === 'loading' ? MessageFlags.Loading : 0),
  };
  const { i } = interactionStub(async () => {
    if (original === 'none') throw new Error('Unknown Webhook');
    return shown;
  }, 'deferred');
  await answer(rt, i, ctx, slowly(withNotice('job-6')), false);
  const opened = openFromInteraction.mock.calls[0]?.[4] as Promise<{ id: string } | undefined> | undefined;
  return { told: delivered.mock.calls.map((call) => call[1]), status: (await opened)?.id };
}

describe('Discord: a deferred answer Discord did not confirm, looked up through its token', () => {
  it('its edit there: counts as sent, the undelivered notice in it is told, not shown again', async () => {
    expect(await noticeAnsweredDeferred('edited')).toEqual({
      told: [[{ key: 'job.undelivered_notice', params: { count: 1 }, tells: ['old-job'] }]],
      status: 'original',
    });
  });

  it('still "thinking…" (the edit never landed): nothing of it counts', async () => {
    expect(await noticeAnsweredDeferred('loading')).toEqual({ told: [], status: undefined });
  });

  it('not found there: nothing of it counts', async () => {
    expect(await noticeAnsweredDeferred('none')).toEqual({ told: [], status: undefined });
  });
});

describe('Discord: an answer Discord did not confirm, whose lookup through the token hangs (the same outage)', () => {
  it('is given up after REPLY_LOOKUP_MS: the status opens without the reply, and its late answer counts for nothing', async () => {
    vi.useFakeTimers();
    try {
      let answerLookup: (found: unknown) => void = () => undefined;
      const { rt, delivered, openFromInteraction, keepShown: keepShownSpy } = runtimeStubs();
      const { i, followUp } = interactionStub(
        // Held as discord.js holds it through its tries in the outage.
        () => new Promise((resolve) => (answerLookup = resolve)),
        unconfirmedCallback,
      );
      const reply: Reply = {
        ...withNotice('job-7'),
        delivers: ['job-7'],
        final: true,
        more: [queued('job-8')],
      };
      let settled = false;
      const answered = answer(rt, i, ctx, async () => reply, false).then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(REPLY_LOOKUP_MS - 1);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true);
      await answered;
      const opened = openFromInteraction.mock.calls[0]?.[4] as Promise<unknown>;
      expect({ status: await opened, followUps: followUp.mock.calls.length }).toEqual({
        status: undefined,
        followUps: 1,
      });
      // The held lookup answers at last, the reply there: too late to count, nothing of it is told or recorded.
      answerLookup({ id: 'original', channelId: 'channel' });
      await vi.advanceTimersByTimeAsync(100);
      expect({ told: delivered.mock.calls.length, shown: keepShownSpy.mock.calls.length }).toEqual({
        told: 0,
        shown: 0,
      });
    } finally {
      vi.useRealTimers();
    }
  });
});
