// EditedRequests' choices on their own, with doubles for the queue, the replies and the handler: which edits replace
// waiting jobs, which are answered as too late, which run as a new request, and which are left alone.
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EditedRequests, requestMeta } from '../../../adapters/telegram/edits.js';
import type { CommandContext, Reply } from '../../../commands/index.js';
import type { Job, JobStatus } from '../../../src/jobs/index.js';

const CHAT = { id: 42, type: 'private' as const, first_name: 'Ann' };
const FROM = { id: 42, is_bot: false, first_name: 'Ann' };
const NOW = 1_800_000_000_000;

function edited(text: string, messageId = 7): Message {
  return {
    message_id: messageId,
    date: NOW / 1000 - 30,
    chat: CHAT,
    from: FROM,
    text,
    edit_date: NOW / 1000,
  };
}

function jobOf(status: JobStatus, seq: number, original: Message, finishedAgoMs = 1000): Job {
  return {
    id: `job-${seq}`,
    seq,
    owner: { platform: 'telegram', userId: '42' },
    scope: 'chat:42',
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'x', width: 256, height: 256 },
    meta: { telegramChatId: CHAT.id, ...requestMeta(original) },
    priority: 'normal',
    status,
    attempts: 0,
    estimatedCost: 1,
    createdAt: NOW - 60_000,
    ...(status === 'done' ? { finishedAt: NOW - finishedAgoMs, startedAt: NOW - 5000 } : {}),
  } as Job;
}

/** The edit handler over doubles: what it cancelled, sent and handled is recorded. */
function setup(
  jobs: Job[],
  options: { accepting?: boolean; refused?: boolean; clockOfQueueOnly?: boolean } = {},
) {
  const cancelled: string[] = [];
  const sent: string[] = [];
  const handled: Array<string[] | undefined> = [];
  const edits = new EditedRequests({
    jobs: {
      store: { recentOf: () => jobs },
      queue: {
        get: (id) => jobs.find((job) => job.id === id),
        cancel: (id) => {
          cancelled.push(id);
          return 'cancelled';
        },
        accepting: options.accepting ?? true,
        now: () => NOW,
      },
    },
    jobMessages: { handOver: async () => undefined, keep: () => undefined },
    replies: {
      inherit: () => undefined,
      release: async () => [],
      send: async (_ctx: Context, _c: CommandContext, reply: Reply) => {
        sent.push(reply.text[0]?.key ?? '');
      },
      wasRefused: () => options.refused ?? false,
    },
    context: () => ({ locale: 'en' }) as CommandContext,
    isCommand: (text) => text?.startsWith('/') ?? false,
    handle: async (_ctx, replaces) => {
      handled.push(replaces);
    },
    // Left out: the queue's clock (stamps) and this machine's (the message's date) are the ones read.
    ...(!options.clockOfQueueOnly && { now: () => NOW }),
  });
  const edit = (message: Message) => edits.onEdit({ editedMessage: message } as unknown as Context);
  return { edit, cancelled, sent, handled };
}

describe('EditedRequests', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('replaces a request whose jobs all wait, handing their ids to the new command', async () => {
    const original = edited('/imagine a {red,blue} cta');
    const { edit, cancelled, handled } = setup([jobOf('queued', 1, original), jobOf('queued', 2, original)]);
    await edit(edited('/imagine a {red,blue} cat'));
    expect(cancelled).toEqual(['job-1', 'job-2']);
    expect(handled).toEqual([['job-1', 'job-2']]);
  });

  it('does not replace a permutation one line of which was drawn already: too late, said once', async () => {
    const original = edited('/imagine a {red,blue} cta');
    const { edit, cancelled, handled, sent } = setup([
      jobOf('done', 1, original),
      jobOf('queued', 2, original),
    ]);
    await edit(edited('/imagine a {red,blue} cat'));
    await edit(edited('/imagine a {red,green} cat'));
    expect(cancelled).toEqual([]);
    expect(handled).toEqual([]);
    expect(sent).toEqual(['job.edit_too_late']);
  });

  it('while the queue stops, keeps the waiting jobs (they run after the restart) and says why', async () => {
    const original = edited('/imagine a cta');
    const { edit, cancelled, handled, sent } = setup([jobOf('queued', 1, original)], { accepting: false });
    await edit(edited('/imagine a cat'));
    expect(cancelled).toEqual([]);
    expect(handled).toEqual([]);
    expect(sent).toEqual(['errors.queue.stopping']);
  });

  it('runs an edited command that made no job only when it was refused', async () => {
    const worked = setup([], { refused: false });
    await worked.edit(edited('/imagine a cat'));
    expect(worked.handled).toEqual([]);
    const refused = setup([], { refused: true });
    await refused.edit(edited('/imagine a cat'));
    expect(refused.handled).toEqual([undefined]);
    // Not a command now: nothing to run.
    const chat = setup([], { refused: true });
    await chat.edit(edited('just chatting'));
    expect(chat.handled).toEqual([]);
  });

  it("measures a finished job's age on the queue's clock, not on this machine's clock running ahead of it", async () => {
    // Finished 8 minutes ago by the shared queue's clock (Redis's): within the window, so the author hears it is too
    // late. This machine's clock runs 5 minutes ahead of Redis's, where the job would look 13 minutes old.
    vi.spyOn(Date, 'now').mockReturnValue(NOW + 5 * 60_000);
    const original = edited('/imagine a cta');
    const { edit, handled, sent } = setup([jobOf('done', 1, original, 8 * 60_000)], {
      clockOfQueueOnly: true,
    });
    await edit(edited('/imagine a cat'));
    expect(handled).toEqual([]);
    expect(sent).toEqual(['job.edit_too_late']);
  });
});
