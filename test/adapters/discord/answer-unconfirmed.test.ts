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

const queued = (jobId: string): Reply => ({
  jobId,
  startsJob: true,
  text: [{ key: 'job.answer', params: { text: `queued ${jobId}` } }],
});

/** Answers `reply` past the acknowledgement budget (so after a deferral) on stubs whose edit is never confirmed. */
async function answerDeferred(reply: Reply) {
  const withdraw = vi.fn();
  const followUp = vi.fn(async () => ({ id: 'follow-up', channelId: 'channel' }));
  const rt = {
    commands: { withdraw, delivered: vi.fn() },
    jobMessages: { openFromInteraction: vi.fn(), keepShown: vi.fn() },
    log: { warn: vi.fn(), debug: vi.fn() },
  } as unknown as DiscordRuntime;
  const i = {
    // Long past: the budget is its floor (200 ms), which the work below outlasts.
    createdTimestamp: Date.now() - 60_000,
    attachmentSizeLimit: 8 << 20,
    deferReply: vi.fn(async () => undefined),
    editReply: vi.fn(async () => {
      throw unconfirmedEdit();
    }),
    // Looked up after the edit: still the deferral's "thinking…" message.
    fetchReply: vi.fn(async () => ({
      id: 'original',
      flags: new MessageFlagsBitField(MessageFlags.Loading),
    })),
    followUp,
  } as unknown as RepliableInteraction;
  const ctx = { locale: 'en' } as CommandContext;
  const work = () => new Promise<Reply>((resolve) => setTimeout(() => resolve(reply), 300));
  const outcome = await answer(rt, i, ctx, work, false).then(
    () => 'answered',
    (error: unknown) => error,
  );
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
  const withdraw = vi.fn();
  const shown = { id: 'original', channelId: 'channel' };
  const openFromInteraction = vi.fn();
  const rt = {
    commands: { withdraw, delivered: vi.fn() },
    jobMessages: { openFromInteraction, keepShown: vi.fn() },
    log: { warn: vi.fn(), debug: vi.fn() },
  } as unknown as DiscordRuntime;
  const i = {
    createdTimestamp: Date.now(),
    attachmentSizeLimit: 8 << 20,
    replied: false,
    deferred: false,
    reply: vi.fn(async () => {
      throw error;
    }),
    fetchReply: vi.fn(async () => shown),
    followUp: vi.fn(async () => ({ id: 'follow-up', channelId: 'channel' })),
  } as unknown as RepliableInteraction;
  const ctx = { locale: 'en' } as CommandContext;
  const outcome = await answer(rt, i, ctx, async () => reply, false).then(
    () => 'answered',
    (failure: unknown) => failure,
  );
  const opened = openFromInteraction.mock.calls[0]?.[4] as Promise<unknown> | undefined;
  return {
    outcome,
    withdrawn: withdraw.mock.calls.map((call) => call[1]),
    replied: i.replied,
    status: await opened?.catch(() => 'refused'),
  };
}

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
  const delivered = vi.fn();
  const rt = {
    commands: { withdraw: vi.fn(), delivered },
    jobMessages: { openFromInteraction: vi.fn(), keepShown: vi.fn() },
    log: { warn: vi.fn(), debug: vi.fn() },
  } as unknown as DiscordRuntime;
  const i = {
    createdTimestamp: Date.now(),
    attachmentSizeLimit: 8 << 20,
    replied: false,
    deferred: false,
    reply: vi.fn(async () => {
      throw unconfirmedCallback();
    }),
    fetchReply: vi.fn(async () => {
      if (!found) throw new Error('Unknown Webhook');
      return { id: 'original', channelId: 'channel' };
    }),
    followUp: vi.fn(async () => ({ id: 'follow-up', channelId: 'channel' })),
  } as unknown as RepliableInteraction;
  const notice = { key: 'job.undelivered_notice', params: { count: 1 }, tells: ['old-job'] };
  const reply: Reply = { ...queued('job-5'), text: [...queued('job-5').text, notice] };
  await answer(rt, i, { locale: 'en' } as CommandContext, async () => reply, false);
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
  const delivered = vi.fn();
  const openFromInteraction = vi.fn();
  const rt = {
    commands: { withdraw: vi.fn(), delivered },
    jobMessages: { openFromInteraction, keepShown: vi.fn() },
    log: { warn: vi.fn(), debug: vi.fn() },
  } as unknown as DiscordRuntime;
  const shown = {
    id: 'original',
    channelId: 'channel',
    flags: new MessageFlagsBitField(original === 'loading' ? MessageFlags.Loading : 0),
  };
  const i = {
    createdTimestamp: Date.now() - 60_000,
    attachmentSizeLimit: 8 << 20,
    replied: false,
    deferred: false,
    deferReply: vi.fn(async () => undefined),
    editReply: vi.fn(async () => {
      throw unconfirmedEdit();
    }),
    fetchReply: vi.fn(async () => {
      if (original === 'none') throw new Error('Unknown Webhook');
      return shown;
    }),
    followUp: vi.fn(async () => ({ id: 'follow-up', channelId: 'channel' })),
  } as unknown as RepliableInteraction;
  const notice = { key: 'job.undelivered_notice', params: { count: 1 }, tells: ['old-job'] };
  const reply: Reply = { ...queued('job-6'), text: [...queued('job-6').text, notice] };
  const work = () => new Promise<Reply>((resolve) => setTimeout(() => resolve(reply), 300));
  await answer(rt, i, { locale: 'en' } as CommandContext, work, false);
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
      const delivered = vi.fn();
      const keepShownSpy = vi.fn();
      const openFromInteraction = vi.fn();
      const rt = {
        commands: { withdraw: vi.fn(), delivered },
        jobMessages: { openFromInteraction, keepShown: keepShownSpy },
        log: { warn: vi.fn(), debug: vi.fn() },
      } as unknown as DiscordRuntime;
      const followUp = vi.fn(async () => ({ id: 'follow-up', channelId: 'channel' }));
      const i = {
        createdTimestamp: Date.now(),
        attachmentSizeLimit: 8 << 20,
        replied: false,
        deferred: false,
        reply: vi.fn(async () => {
          throw unconfirmedCallback();
        }),
        // Held as discord.js holds it through its tries in the outage.
        fetchReply: vi.fn(() => new Promise((resolve) => (answerLookup = resolve))),
        followUp,
      } as unknown as RepliableInteraction;
      const notice = { key: 'job.undelivered_notice', params: { count: 1 }, tells: ['old-job'] };
      const reply: Reply = {
        ...queued('job-7'),
        text: [...queued('job-7').text, notice],
        delivers: ['job-7'],
        final: true,
        more: [queued('job-8')],
      };
      let settled = false;
      const answered = answer(rt, i, { locale: 'en' } as CommandContext, async () => reply, false).then(
        () => (settled = true),
      );
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
