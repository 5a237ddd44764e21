// EditedRequests over a real JobQueue: the waiting jobs of an edited request are held while the edit is handled, and
// what becomes of them depends on how it went. Admitted, the replacement takes their place and their status message;
// refused by the queue, or failed, the old request waits as before and runs; refused as the author's mistake (or
// asking for no job), the old request goes and the answer takes its status message. No hold outlives the edit.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'grammy';
import type { Message } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { EditedRequests, requestMeta } from '../../../adapters/telegram/edits.js';
import type { HandedOver, TelegramPlace } from '../../../adapters/telegram/job-messages.js';
import { type CommandContext, type Reply, textReply } from '../../../commands/index.js';
import { JobQueue, JobStore, type Owner, type SubmitInput } from '../../../src/jobs/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';

const NOW = Date.now();
const AUTHOR: Owner = { platform: 'telegram', userId: '42' };
const open: JobQueue[] = [];

afterEach(async () => {
  for (const queue of open.splice(0)) await queue.stop({ waitMs: 2000 });
});

function message(text: string): Message {
  return {
    message_id: 7,
    date: Math.floor(NOW / 1000) - 30,
    chat: { id: 42, type: 'private', first_name: 'Ann' },
    from: { id: 42, is_bot: false, first_name: 'Ann' },
    text,
  };
}

function request(owner: Owner, prompt: string, meta: Record<string, unknown> = {}): SubmitInput {
  return {
    owner,
    scope: `chat:${owner.userId}`,
    kind: 'imagine',
    request: { task: 'text_to_image', prompt, width: 256, height: 256 },
    meta,
  };
}

type Handle = (submit: (prompt: string) => Reply, send: (reply: Reply) => Promise<void>) => Promise<void>;

/**
 * The edit handler over a real queue (not started: nothing runs until a test says so), with doubles for the status
 * messages (a replaced job's ending hands its message over) and the replies (an answer takes over a handed-over
 * message, else is sent anew); `handle` stands for the adapter handling the edited message.
 */
function setup(handle: Handle) {
  const store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-edit-hold-')));
  const queue = new JobQueue({
    store,
    engine: new TimedEngineDouble(2, 3),
    limits: { maxPerUser: 3, maxRunningPerUser: 1, maxPerScope: 10, maxTotal: 10, jobTimeoutMs: 60_000 },
  });
  open.push(queue);
  const original = message('/imagine a cta');
  const old = queue.submit(request(AUTHOR, 'a cta', { telegramChatId: 42, ...requestMeta(original) }));
  if (!old.ok) throw new Error('the old job was refused');
  const heirs = new Map<string, (handed: HandedOver | undefined) => void>();
  const kept: string[] = [];
  const answers: Array<{ key: string; tookOver: boolean }> = [];
  queue.subscribe((event) => {
    const place = { chatId: 42, messageId: 100 } as TelegramPlace;
    if (event.type === 'cancelled') heirs.get(event.job.id)?.({ place, end: async () => undefined });
  });
  let load: (() => Promise<HandedOver[]>) | undefined;
  const inherited = async () => {
    const handed = (await load?.()) ?? [];
    load = undefined;
    return handed;
  };
  const send = async (reply: Reply) => {
    const handed = await inherited();
    answers.push({ key: reply.text[0]?.key ?? '', tookOver: handed.length > 0 });
  };
  const edits = new EditedRequests({
    jobs: { store, queue },
    jobMessages: {
      handOver: (id) => new Promise((resolve) => heirs.set(id, resolve)),
      keep: (id) => {
        kept.push(id);
        heirs.get(id)?.(undefined);
      },
    },
    replies: {
      inherit: (_ctx, loader) => {
        load = loader;
      },
      release: () => inherited(),
      send: async (_ctx, _c, reply) => send(reply),
      wasRefused: () => false,
    },
    context: () => ({ locale: 'en' }) as CommandContext,
    isCommand: (text) => text?.startsWith('/') ?? false,
    handle: (_ctx, replaces) =>
      handle((prompt) => {
        const result = queue.submit({ ...request(AUTHOR, prompt), ...(replaces ? { replaces } : {}) });
        return result.ok
          ? { text: [{ key: 'job.queued' }], jobId: result.job.id }
          : textReply(result.refusal.key);
      }, send),
    now: () => NOW,
  });
  const edit = (text: string) => edits.onEdit({ editedMessage: message(text) } as unknown as Context);
  return { queue, store, edit, old: old.job, kept, answers };
}

describe('EditedRequests with a queue that holds', () => {
  it('an admitted replacement cancels the old job and takes over its status message', async () => {
    const { queue, edit, old, answers } = setup(async (submit, send) => send(submit('a cat')));
    await edit('/imagine a cat');
    expect(queue.get(old.id)?.status).toBe('cancelled');
    expect(answers).toEqual([{ key: 'job.queued', tookOver: true }]);
    expect(queue.hold([old.id], AUTHOR)).toBeUndefined();
  });

  it('a replacement the queue refuses leaves the old job waiting with its status message; it still runs', async () => {
    const { queue, store, edit, old, kept, answers } = setup(async (submit, send) => {
      // The measured pace says the edited request would run past the job timeout.
      store.setCalibration('cpu:text_to_image', 1e9, 3);
      const reply = submit('a cat');
      store.setCalibration('cpu:text_to_image', 1e-6, 3);
      await send(reply);
    });
    await edit('/imagine a cat');
    expect(answers).toEqual([{ key: 'errors.queue.too_long', tookOver: false }]);
    expect(kept).toEqual([old.id]);
    expect(queue.get(old.id)?.status).toBe('queued');
    queue.start();
    await expect.poll(() => queue.get(old.id)?.status).toBe('done');
  });

  it('an edit whose handling fails leaves the old job waiting, released: it still runs', async () => {
    const { queue, edit, old, kept } = setup(async () => {
      throw new Error('the photo could not be downloaded');
    });
    await expect(edit('/imagine a cat')).rejects.toThrow('downloaded');
    expect(kept).toEqual([old.id]);
    queue.start();
    await expect.poll(() => queue.get(old.id)?.status).toBe('done');
  });

  it('an edit refused as the author’s mistake ends the old job, the refusal taking its status message', async () => {
    const { queue, edit, old, answers } = setup(async (_submit, send) =>
      send(textReply('errors.prompt_empty')),
    );
    await edit('/imagine');
    expect(queue.get(old.id)?.status).toBe('cancelled');
    expect(answers).toEqual([{ key: 'errors.prompt_empty', tookOver: true }]);
  });

  it('an edit that asks for nothing at all ends the old job too, and holds nothing', async () => {
    const { queue, edit, old, answers } = setup(async () => undefined);
    await edit('/imagine whatever');
    expect(answers).toEqual([]);
    expect(queue.get(old.id)?.status).toBe('cancelled');
  });
});
