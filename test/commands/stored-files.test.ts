// What a user meets once a result's stored files are gone: removed by their Delete, or by RESULT_RETENTION_DAYS.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { t } from '../../src/i18n.js';
import { type Job, RetentionSweeper } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';

const DAY = 24 * 60 * 60 * 1000;

function setup() {
  const finals: Job[] = [];
  const { commands, store } = commandsOnQueue('stored-files', {
    limits: { maxPerUser: 5 },
    commands: { platforms: { discord: { originalFileButton: true } } },
    onUpdate: ({ job, reply }) => {
      if (reply.final) finals.push(job);
    },
  });
  const ctx = (userId = '1', language = 'en'): CommandContext =>
    commands.context({ user: { platform: 'discord', userId }, scope: 'guild:1', language });
  /** A finished /imagine of user 1. */
  const imagine = async (prompt = 'a fox'): Promise<Job> => {
    const reply = await commands.run(ctx(), { name: 'imagine', options: { prompt } });
    const id = reply.jobId as string;
    const started = Date.now();
    while (!finals.some((job) => job.id === id)) {
      if (Date.now() - started > 5000) throw new Error(`job ${id} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return store.get(id) as Job;
  };
  const folder = (job: Job) => store.folder(job.id);
  return { commands, store, ctx, imagine, folder };
}

const lines = (reply: Reply | undefined) =>
  reply?.text.map((line) => ({ key: line.key, params: line.params }));
const DELETED = [{ key: 'errors.job.deleted', params: {} }];

describe('Delete', () => {
  it('removes the job’s stored files, keeps its row, and its follow-ups answer one line', async () => {
    const { commands, store, ctx, imagine, folder } = setup();
    const job = await imagine();
    expect(existsSync(store.filePath(job.id, 'result.png'))).toBe(true);

    expect((await commands.pressButton(ctx(), `delete:${job.id}`)).deleteSource).toBe(true);

    expect(existsSync(folder(job))).toBe(false);
    // Still counted where the queue and /info need it.
    expect(store.get(job.id)).toMatchObject({ status: 'done', filesRemoved: { reason: 'deleted' } });
    const info = await commands.run(ctx(), { name: 'info' });
    expect(info.text[0]).toMatchObject({ key: 'info.images', params: { total: 1 } });
    // Its buttons, still on another message of it, and replies to it.
    for (const action of [
      'reroll',
      'vary',
      'upscale_subtle',
      'edit',
      'original',
      'more',
      'describe',
      'pan_left',
    ])
      expect(lines(await commands.pressButton(ctx(), `${action}:${job.id}`)), action).toEqual(DELETED);
    expect(lines(await commands.replyToResult(ctx(), job.id, 'make it red'))).toEqual(DELETED);
    expect(lines(await commands.replyToResult(ctx(), job.id, '.. --steps 4'))).toEqual(DELETED);
    expect(lines(await commands.editResult(ctx(), job.id, 'add a moon'))).toEqual(DELETED);
    // A second Delete (the same result on another message) only removes that message.
    expect((await commands.pressButton(ctx(), `delete:${job.id}`)).deleteSource).toBe(true);
    expect(t('en', 'errors.job.deleted')).toBe('That job was deleted, and its images with it.');
  });

  it('another user cannot delete it, and its files stay', async () => {
    const { commands, ctx, imagine, folder } = setup();
    const job = await imagine();
    expect(lines(await commands.pressButton(ctx('2'), `delete:${job.id}`))).toEqual([
      { key: 'errors.button.owner_only', params: undefined },
    ]);
    expect(existsSync(folder(job))).toBe(true);
  });
});

describe('a result past RESULT_RETENTION_DAYS', () => {
  it('answers that it is too old, in the user’s language, and shows so in the history', async () => {
    const { commands, store, ctx, imagine, folder } = setup();
    const old = await imagine('an old fox');
    const recent = await imagine('a new fox');
    // The recent one finished a day "later": a sweep 30.5 days after the first keeps it.
    store.update({ ...recent, finishedAt: (recent.finishedAt as number) + DAY });
    const sweep = new RetentionSweeper({
      store,
      days: 30,
      now: () => (old.finishedAt as number) + 30.5 * DAY,
    });
    expect((await sweep.sweep()).expired).toBe(1);
    expect(existsSync(folder(old))).toBe(false);
    expect(existsSync(folder(recent))).toBe(true);

    const expired = [{ key: 'errors.job.expired', params: { periodDays: 30 } }];
    expect(lines(await commands.pressButton(ctx(), `vary:${old.id}`))).toEqual(expired);
    expect(lines(await commands.pressButton(ctx(), `original:${old.id}`))).toEqual(expired);
    expect(lines(await commands.replyToResult(ctx(), old.id, 'make it blue'))).toEqual(expired);
    // The recent one works as ever.
    expect(
      store.get((await commands.pressButton(ctx(), `reroll:${recent.id}`)).jobId as string),
    ).toMatchObject({
      meta: { origin: recent.id },
    });

    expect(t('en', 'errors.job.expired', { periodDays: 30 })).toBe(
      'That job is too old: files are kept for 30 days, so its images were removed.',
    );
    expect(t('ru', 'errors.job.expired', { periodDays: 30 })).toContain('хранятся 30 дней');
    expect(t('de', 'errors.job.expired', { periodDays: 1 })).toContain('1 Tag lang');

    // The playground's history after a reload: the line in place of the missing image, no input to fetch.
    const history = await commands.history(ctx());
    const entry = history.entries.find((e) => e.jobId === old.id);
    expect(entry?.reply.text).toEqual([{ key: 'errors.job.expired', params: { periodDays: 30 } }]);
    expect(entry?.reply.images).toBeUndefined();
    expect(entry?.asked).toEqual({
      text: expect.stringMatching(/^\/imagine an old fox --size /),
      images: [],
    });
    expect(commands.jobFile(ctx(), old.id, 'result.png')).toBeUndefined();
  });
});

describe('a result whose files an operator removed by hand, or that was cut short', () => {
  it('answers each follow-up with one line, keeps the history, and leaves other results alone', async () => {
    const { commands, store, ctx, imagine, folder } = setup();
    const removed = await imagine('a fox cleaned away');
    const cut = await imagine('a fox cut short');
    const whole = await imagine('a whole fox');
    rmSync(folder(removed), { recursive: true });
    const png = readFileSync(store.filePath(cut.id, 'result.png'));
    writeFileSync(store.filePath(cut.id, 'result.png'), png.subarray(0, png.length >> 1));
    const damaged = [{ key: 'errors.job.file_damaged', params: undefined }];
    const gone = [{ key: 'errors.job.deleted', params: undefined }];

    for (const action of ['vary', 'upscale_subtle', 'original', 'describe', 'pan_left', 'edit']) {
      expect(lines(await commands.pressButton(ctx(), `${action}:${removed.id}`)), action).toEqual(gone);
      expect(lines(await commands.pressButton(ctx(), `${action}:${cut.id}`)), action).toEqual(damaged);
    }
    expect(commands.jobFile(ctx(), removed.id, 'result.png')).toBeUndefined();
    expect(commands.jobFile(ctx(), cut.id, 'result.png')).toBeUndefined();

    // The history still shows every entry: the two say what became of them, the whole one its image.
    const history = await commands.history(ctx());
    const entry = (job: Job) => history.entries.find((e) => e.jobId === job.id)?.reply;
    expect(entry(removed)?.text).toEqual([{ key: 'errors.job.deleted' }]);
    expect(entry(cut)?.text).toEqual([{ key: 'errors.job.file_damaged' }]);
    expect(entry(whole)?.images).toHaveLength(1);
    expect(lines(await commands.pressButton(ctx(), `vary:${whole.id}`))?.[0]?.key).toBe('job.queued');
    expect(t('en', 'errors.job.file_damaged')).toBe(
      "That job's stored image is damaged, so it can no longer be used.",
    );
  });
});
