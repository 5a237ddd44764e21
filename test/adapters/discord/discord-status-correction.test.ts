// A failure of a public job its owner waited long for goes as a new message that pings them, the status message above
// pointing to it (status.ts `finish`). When that failure is corrected ("paused, will restart": the database refused to
// store it, and the next start runs the job again), the correction lands on that post, where the owner reads the
// failure, not on the status message above, which only points below (job-status.ts `correct`).
import { type Client, DiscordAPIError, type MessageCreateOptions } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordStatus } from '../../../adapters/discord/status.js';
import { JobStatusTracker } from '../../../adapters/shared/job-status-tracker.js';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import type { Job } from '../../../src/jobs/index.js';

const job = { id: 'job-1', createdAt: Date.now(), meta: {} } as Job;
const FAILED = t('en', 'job.failed', { reason: 'disk full' });
const RESTARTS = t('en', 'job.paused_restart');

/** Discord's refusal of an edit, as discord.js throws it. */
const apiError = (status: number, code: number) =>
  new DiscordAPIError(
    { code, message: `refused (${code})` },
    code,
    status,
    'PATCH',
    '/channels/5/messages/7',
    {},
  );

/**
 * A public channel on a stubbed client: posts answer as message 7; every edit is recorded by message id, or throws
 * what `editError` gives for its id.
 */
function channelDouble(
  options: { editError?: (id: string) => Error | undefined; fetchErrors?: Error[] } = {},
) {
  const posts: MessageCreateOptions[] = [];
  const edits: Array<{ id: string; text: string }> = [];
  const channel = {
    isSendable: () => true,
    isTextBased: () => true,
    send: async (payload: MessageCreateOptions) => {
      posts.push(payload);
      return { id: '7' };
    },
    messages: {
      edit: async (id: string, payload: unknown) => {
        const error = options.editError?.(id);
        if (error) throw error;
        edits.push({ id, text: JSON.stringify(payload) });
      },
    },
  };
  const dms: unknown[] = [];
  const user = {
    createDM: async () => ({
      send: async (payload: unknown) => {
        dms.push(payload);
        return { id: '9' };
      },
    }),
  };
  const client = {
    channels: {
      fetch: async () => {
        const error = options.fetchErrors?.shift();
        if (error) throw error;
        return channel;
      },
    },
    users: { fetch: async () => user },
  } as unknown as Client;
  return { client, posts, edits, dms };
}

function tracked(client: Client) {
  const status = new DiscordStatus(
    client,
    { channelId: '5', messageId: '6', userId: '8', locale: 'en', uploadLimit: 8 << 20, private: false },
    undefined,
    Date.now() - 120_000,
    false,
    60_000,
    () => undefined,
    (_context, message) => warnings.push(message),
  );
  const deliveries: string[] = [];
  const warnings: string[] = [];
  const tracker = new JobStatusTracker({
    markUndelivered: () => undefined,
    warn: (_context, message) => warnings.push(message),
    gaps: { privateMs: 10_000, groupMs: 10_000, globalMs: 0 },
    changes: (next, shown) => JSON.stringify(next) !== JSON.stringify(shown),
    onDelivery: (_id, delivery) => deliveries.push(delivery),
  });
  const lane = { id: '5', shared: true };
  tracker.open(job.id, lane, { jobId: job.id, text: [{ key: 'job.queued' }] }, Promise.resolve(status));
  return { tracker, deliveries, warnings };
}

const failure: Reply = {
  jobId: job.id,
  final: true,
  outcome: 'failed',
  text: [{ key: 'job.failed', params: { reason: 'disk full' } }],
};
const correction: Reply = {
  jobId: job.id,
  text: [{ key: 'job.paused_restart' }],
  urgent: true,
  corrects: true,
};

describe('Discord: a correction of a failure posted anew goes on that post', () => {
  it('edits the failure post; the status message above only points below', async () => {
    const { client, posts, edits } = channelDouble();
    const { tracker, deliveries } = tracked(client);
    await tracker.update(job, failure);
    expect(deliveries).toEqual(['edited']);
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0])).toContain(FAILED);
    // A failure's pointer names no result: it says where to look, which stays true once the failure is corrected.
    expect(edits).toEqual([{ id: '6', text: expect.stringContaining(t('en', 'job.see_below')) }]);
    expect(edits[0]?.text).not.toContain(t('en', 'job.ended_below'));

    await tracker.update(job, correction);
    expect(edits.slice(1)).toEqual([{ id: '7', text: expect.stringContaining(RESTARTS) }]);
    // Still addressed to its owner, as the failure was.
    expect(edits[1]?.text).toContain('<@8>');
    expect(posts).toHaveLength(1);
    tracker.stop();
  });

  it('the post is gone (10008): the correction goes as a reply to it, never on the status message', async () => {
    const { client, posts, edits } = channelDouble({
      editError: (id) => (id === '7' ? apiError(404, 10008) : undefined),
    });
    const { tracker } = tracked(client);
    await tracker.update(job, failure);
    await tracker.update(job, correction);
    expect(posts).toHaveLength(2);
    expect(JSON.stringify(posts[1])).toContain(RESTARTS);
    expect(posts[1]?.reply?.messageReference).toBe('7');
    expect(edits.filter((e) => e.text.includes(RESTARTS))).toEqual([]);
    tracker.stop();
  });

  it('the channel not reached (a 5xx before any edit): the correction, never sent, is posted', async () => {
    const fetchErrors: Error[] = [];
    const { client, posts, edits } = channelDouble({ fetchErrors });
    const { tracker } = tracked(client);
    await tracker.update(job, failure);
    fetchErrors.push(apiError(503, 0));
    await tracker.update(job, correction);
    expect(edits.filter((e) => e.text.includes(RESTARTS))).toEqual([]);
    expect(posts).toHaveLength(2);
    expect(JSON.stringify(posts[1])).toContain(RESTARTS);
    expect(posts[1]?.reply?.messageReference).toBe('7');
    tracker.stop();
  });

  it('an edit of the post failing otherwise (a 5xx) may have been applied: no reply shows it twice', async () => {
    const { client, posts, edits, dms } = channelDouble({
      editError: (id) => (id === '7' ? apiError(500, 0) : undefined),
    });
    const { tracker, warnings } = tracked(client);
    await tracker.update(job, failure);
    await tracker.update(job, correction);
    expect(posts).toHaveLength(1);
    expect(dms).toEqual([]);
    expect(edits.filter((e) => e.text.includes(RESTARTS))).toEqual([]);
    // Said once, by the surface: the tracker was handed nothing to answer with a reply.
    expect(warnings).toEqual([expect.stringContaining('not posted again')]);
    tracker.stop();
  });

  it('a done result keeps "the result is in the message below"', async () => {
    const { client, edits } = channelDouble();
    const { tracker } = tracked(client);
    await tracker.update(job, { ...failure, outcome: 'done', text: [{ key: 'job.queued' }] });
    expect(edits).toEqual([{ id: '6', text: expect.stringContaining(t('en', 'job.ended_below')) }]);
    tracker.stop();
  });
});
