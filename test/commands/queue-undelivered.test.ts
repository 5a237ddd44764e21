// /queue hands over every ending that reached nobody, whole: the line that shows an answer (or a failure) counts it
// delivered once the message holding it was sent, so what the line left out would be lost for good. An image's line
// only tells of it; its file, fetched by the button, delivers it.
import { describe, expect, it } from 'vitest';
import { CONTENT_LIMIT, partsOf, toDiscordMessage } from '../../adapters/discord/render.js';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply, ReplyText } from '../../commands/reply.js';
import { encodePng } from '../../engine/index.js';
import { t } from '../../src/i18n.js';
import type { Job } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { commandsOnQueue } from './commands-on-queue.js';

function setup() {
  const endings: Job[] = [];
  const { commands, store, engine } = commandsOnQueue('queue-undelivered', {
    engine: new TimedEngineDouble(1, 2),
    limits: { maxPerUser: 5 },
    commands: { platforms: { discord: {} } },
    onUpdate: ({ job, reply }) => {
      if (reply.final) endings.push(job);
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
  return { commands, store, engine, ctx, lost, undelivered };
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
