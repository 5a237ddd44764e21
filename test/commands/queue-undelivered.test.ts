// /queue hands over every ending that reached nobody, whole: the line that shows an answer (or a failure) counts it
// delivered once the message holding it was sent, so what the line left out would be lost for good. An image's line
// only tells of it; its file, fetched by the button, delivers it.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_LIMIT, partsOf, toDiscordMessage } from '../../adapters/discord/render.js';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply, ReplyText } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup(options: { randomModel?: boolean } = {}) {
  const endings: Job[] = [];
  const finals: Reply[] = [];
  const { commands, store, engine } = commandsOnQueue('queue-undelivered', {
    engine: new TimedEngineDouble(1, 2),
    limits: { maxPerUser: 5 },
    commands: { platforms: { discord: {} }, randomModel: options.randomModel },
    onUpdate: ({ job, reply }) => {
      if (reply.final) {
        endings.push(job);
        finals.push(reply);
      }
    },
  });
  const ctx = (userId: string): CommandContext =>
    commands.context({ user: { platform: 'discord', userId }, scope: 'guild:1', language: 'en' });
  /** Runs `name` for `userId` and waits for its job's ending, which is then marked as having reached nobody. */
  const lost = async (userId: string, name: string, options: Record<string, unknown>): Promise<string> => {
    const jobId = (await commands.run(ctx(userId), { name, options })).jobId as string;
    await expect.poll(() => endings.some((job) => job.id === jobId), { timeout: 5000 }).toBe(true);
    store.deliveries.markUndelivered(jobId);
    return jobId;
  };
  const undelivered = (userId: string) =>
    store.deliveries.undeliveredOf({ platform: 'discord', userId }).map((job) => job.id);
  return { commands, store, engine, ctx, lost, undelivered, finals };
}

const png = () => encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) });
const shown = (line: ReplyText) => t('en', line.key, line.params ?? {});
const lineOf = (reply: Reply, jobId: string) =>
  reply.text.find((line) => line.delivers === jobId || line.tells?.includes(jobId));

describe('/queue: undelivered endings, whole', () => {
  it('lists a describe answer longer than 500 characters and than a Discord message whole; sent, it is delivered', async () => {
    const { commands, engine, ctx, lost, undelivered } = setup();
    engine.answer = `${'a grey cat on a red sofa beside a window, '.repeat(60)}and the very end of the answer.`;
    expect(engine.answer.length).toBeGreaterThan(CONTENT_LIMIT);
    const jobId = await lost('1', 'describe', { image: { data: await png() } });

    const listed = await commands.run(ctx('1'), { name: 'queue' });
    const line = lineOf(listed, jobId) as ReplyText;
    expect(line).toMatchObject({ key: 'queue.undelivered', delivers: jobId });
    expect(shown(line)).toBe(
      t('en', 'queue.undelivered', {
        id: jobId.slice(0, 8),
        status: t('en', 'queue.undelivered_answer', { text: engine.answer }),
      }),
    );

    // As Discord gets it: messages of at most 2000 characters, the answer's alone, its whole text as message.txt.
    const parts = partsOf(listed, 'en');
    const holding = parts.find((part) => part.text.some((l) => l.delivers === jobId)) as Reply;
    expect(holding.text).toEqual([line]);
    const message = toDiscordMessage(holding, 'en');
    expect(message.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    const file = (message.files ?? []).map((f) => f as { attachment: Buffer; name: string }).at(0);
    expect(file?.name).toBe('message.txt');
    expect(file?.attachment.toString('utf8')).toContain(engine.answer);

    // Listed until the message holding it was sent; then it is delivered, and not listed again.
    expect(undelivered('1')).toEqual([jobId]);
    for (const part of parts) commands.delivered(ctx('1'), part.text);
    expect(undelivered('1')).toEqual([]);
    expect(lineOf(await commands.run(ctx('1'), { name: 'queue' }), jobId)).toBeUndefined();
  });

  it('a failure is listed with its reason, an empty answer says so, and an image’s line delivers nothing', async () => {
    const { commands, store, engine, ctx, lost, undelivered } = setup();
    engine.answer = '  ';
    const empty = await lost('2', 'describe', { image: { data: await png() } });
    const image = await lost('2', 'imagine', { prompt: 'a lost fox' });
    const failed = await lost('2', 'imagine', { prompt: 'boom' });
    const job = store.get(failed) as Job;
    expect(job.status).toBe('failed');
    store.update({
      ...job,
      error: { key: 'errors.queue.too_long', params: { expectedMs: 150_000, limitMs: 60_000 } },
    });

    const listed = await commands.run(ctx('2'), { name: 'queue' });
    const status = (jobId: string) => lineOf(listed, jobId)?.params?.status;
    // Said as a failure, not as a result that "finished" but could not be delivered.
    expect(lineOf(listed, failed)?.key).toBe('queue.undelivered_failed');
    expect(lineOf(listed, failed)?.params?.reason).toBe(
      t('en', 'errors.queue.too_long', { expected: '3 minutes', limit: '1 minute' }),
    );
    expect(status(empty)).toBe(t('en', 'job.answer_empty'));
    expect(status(image)).toBe(t('en', 'queue.undelivered_fetch'));
    for (const line of listed.text) expect(shown(line)).not.toMatch(/\{\w+\}/);

    // Every line sent: the answer and the failure are delivered; the image waits for its button's file.
    commands.delivered(ctx('2'), listed.text);
    expect(undelivered('2')).toEqual([image]);
    const fetched = await commands.pressButton(ctx('2'), `original:${image}`);
    commands.delivered(ctx('2'), fetched.text, fetched.delivers);
    expect(undelivered('2')).toEqual([]);
  });
});

describe('/queue: an undelivered image fetched by its button', () => {
  it('comes as privately as its job was made: a /settings private user’s file is for them alone', async () => {
    const { commands, ctx, lost } = setup();
    await commands.runText(ctx('7'), '/settings private on');
    const hidden = await lost('7', 'imagine', { prompt: 'a private fox' });
    const open = await lost('8', 'imagine', { prompt: 'a public fox' });
    const fetched = await commands.pressButton(ctx('7'), `original:${hidden}`);
    expect(fetched.images).toHaveLength(1);
    // Posted in the channel, it showed everyone the picture the user had asked to keep to themselves.
    expect(fetched.ephemeral).toBe(true);
    expect((await commands.pressButton(ctx('8'), `original:${open}`)).ephemeral).not.toBe(true);
  });
});

describe('/queue: an undelivered result whose file is lost', () => {
  it('is said lost once, with why, and is no longer listed once that was sent; deliverable ones stay', async () => {
    const { commands, store, ctx, lost, undelivered } = setup();
    const removed = await lost('3', 'imagine', { prompt: 'a removed fox' });
    const cut = await lost('3', 'imagine', { prompt: 'a cut fox' });
    const trailing = await lost('3', 'imagine', { prompt: 'a whole fox' });
    const whole = await lost('3', 'imagine', { prompt: 'an untouched fox' });
    // Removed by hand; cut short; and one with bytes after its PNG's end, which is still whole to fetch.
    rmSync(store.filePath(removed, 'result.png'));
    const bytes = readFileSync(store.filePath(cut, 'result.png'));
    writeFileSync(store.filePath(cut, 'result.png'), bytes.subarray(0, bytes.length - 20));
    appendFileSync(store.filePath(trailing, 'result.png'), Buffer.from('trailing bytes'));

    const listed = await commands.run(ctx('3'), { name: 'queue' });
    const reason = (jobId: string) => lineOf(listed, jobId)?.params?.reason;
    for (const jobId of [removed, cut])
      expect(lineOf(listed, jobId)).toMatchObject({ key: 'queue.undelivered_lost', delivers: jobId });
    expect(reason(removed)).toBe(t('en', 'errors.job.deleted'));
    expect(reason(cut)).toBe(t('en', 'errors.job.file_damaged'));
    expect(shown(lineOf(listed, cut) as ReplyText)).toBe(
      `Job ${cut.slice(0, 8)} finished, but its result could not be delivered, and it can no longer be fetched: ${t('en', 'errors.job.file_damaged')}`,
    );
    // No button for what no button could fetch; the deliverable ones keep theirs.
    const buttons = (listed.buttons ?? []).flat().map((button) => button.id);
    expect(buttons).toEqual([`original:${whole}`, `original:${trailing}`]);
    for (const jobId of [trailing, whole])
      expect(lineOf(listed, jobId)).toMatchObject({ key: 'queue.undelivered', tells: [jobId] });

    // Not yet sent (the platform refused the message): still listed, to be said next time.
    expect(undelivered('3')).toEqual([whole, trailing, cut, removed]);
    commands.delivered(ctx('3'), listed.text);
    expect(undelivered('3')).toEqual([whole, trailing]);
    const again = await commands.run(ctx('3'), { name: 'queue' });
    expect(lineOf(again, removed)).toBeUndefined();
    expect(lineOf(again, cut)).toBeUndefined();
    expect(again.text.filter((line) => line.key === 'queue.undelivered')).toHaveLength(2);
  });

  it('its button, pressed on an older /queue message, says it was lost and ends its listing once sent', async () => {
    const { commands, store, ctx, lost, undelivered } = setup();
    const image = await lost('4', 'imagine', { prompt: 'a fox gone later' });
    const listed = await commands.run(ctx('4'), { name: 'queue' });
    expect((listed.buttons ?? []).flat().map((button) => button.id)).toEqual([`original:${image}`]);
    commands.delivered(ctx('4'), listed.text);
    rmSync(store.filePath(image, 'result.png'));

    // Another user's press touches nothing of it.
    const other = await commands.pressButton(ctx('5'), `original:${image}`);
    commands.delivered(ctx('5'), other.text, other.delivers);
    expect(undelivered('4')).toEqual([image]);

    const pressed = await commands.pressButton(ctx('4'), `original:${image}`);
    expect(pressed.text).toEqual([{ key: 'errors.job.deleted', delivers: image }]);
    expect(pressed.images).toBeUndefined();
    expect(undelivered('4')).toEqual([image]);
    commands.delivered(ctx('4'), pressed.text, pressed.delivers);
    expect(undelivered('4')).toEqual([]);
    expect(lineOf(await commands.run(ctx('4'), { name: 'queue' }), image)).toBeUndefined();
  });
});

describe('/queue: an undelivered describe answer of the random checkpoint', () => {
  it('carries the note its own message carries, in the line that delivers it', async () => {
    const { commands, engine, ctx, lost, finals } = setup({ randomModel: true });
    engine.answer = 'noise';
    const jobId = await lost('6', 'describe', { image: { data: await png() } });
    // As describe's own ending says it.
    const ending = finals.find((reply) => reply.jobId === jobId) as Reply;
    expect(ending.text.map(shown)).toEqual([
      t('en', 'job.answer', { text: 'noise' }),
      t('en', 'job.answer_random_model'),
    ]);

    const listed = await commands.run(ctx('6'), { name: 'queue' });
    const line = lineOf(listed, jobId) as ReplyText;
    expect(line.delivers).toBe(jobId);
    expect(shown(line)).toBe(
      t('en', 'queue.undelivered', {
        id: jobId.slice(0, 8),
        status: `${t('en', 'queue.undelivered_answer', { text: 'noise' })}\n${t('en', 'job.answer_random_model')}`,
      }),
    );
  });

  it('is not carried where the model is a real one', async () => {
    const { commands, engine, ctx, lost } = setup();
    engine.answer = 'a grey square';
    const jobId = await lost('7', 'describe', { image: { data: await png() } });
    const listed = await commands.run(ctx('7'), { name: 'queue' });
    expect(shown(lineOf(listed, jobId) as ReplyText)).not.toContain(t('en', 'job.answer_random_model'));
  });
});
