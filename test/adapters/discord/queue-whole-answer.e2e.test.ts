// A describe answer that never reached its owner, longer than one Discord message: /queue hands it over whole (its
// message cut at 2000 characters, the whole line beside it as message.txt), and it counts delivered only once that
// message was sent. Refused, it is listed again, whole, at the next /queue.
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { DiscordCall } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

const engine = new TimedEngineDouble(5, 3);
const world = useDiscordOnDouble('discord-queue-whole-answer', {}, { engine });

const contentOf = (call: DiscordCall) => {
  const body = call.body as { content?: string; data?: { content?: string } };
  return body.data?.content ?? body.content ?? '';
};
/** What the user reads of a message: its text, or where Discord's limit cut it, the whole text in message.txt. */
const readOf = (call: DiscordCall) => {
  const file = call.files.find((f) => f.filename === 'message.txt');
  return file ? Buffer.from(file.bytes).toString('utf8') : contentOf(call);
};

describe('Discord: /queue hands over a long lost answer whole', { timeout: 30_000 }, () => {
  it('an answer over 2000 characters arrives whole, and is delivered once its message was sent', async () => {
    const { fake, services } = world;
    const user = { ...fake.world.users.alice, id: '930000000000000001', username: 'lost-answer' };
    const undelivered = () =>
      services.jobs.store.deliveries.undeliveredOf({ platform: 'discord', userId: user.id }).map((j) => j.id);
    engine.answer = `${'a grey cat on a red sofa beside a window, '.repeat(60)}and the very end of the answer.`;
    const image = fake.registerAttachment({ filename: 'cat.png', bytes: await solidPng('#a63') });
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'describe', options: { image }, user }),
    );
    const jobId = await world.queuedJob(ix);
    await world.ended(jobId);
    // Its ending reached nobody (the status message and the fallback both failed).
    services.jobs.store.deliveries.markUndelivered(jobId);
    const line = t('en', 'queue.undelivered', {
      id: jobId.slice(0, 8),
      status: t('en', 'queue.undelivered_answer', { text: engine.answer }),
    });
    expect(line.length).toBeGreaterThan(2000);

    // Refused, the message holding the answer delivers nothing.
    fake.failRoute((c) => c.route === FOLLOW_UP && contentOf(c).includes('a grey cat'), {
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    const refused = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const failed = await fake.waitForCall(
      (c) => c.route === FOLLOW_UP && c.params.token === refused.token,
      10_000,
    );
    expect(failed.status).toBe(400);
    expect(undelivered()).toEqual([jobId]);

    // Sent, it arrives whole: its message within 2000 characters, the whole line as message.txt.
    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const holding = await fake.waitForCall(
      (c) => c.route === FOLLOW_UP && c.params.token === queue.token && c.status === 200,
      10_000,
    );
    expect(contentOf(holding).length).toBeLessThanOrEqual(2000);
    expect(readOf(holding)).toBe(line);
    await expect.poll(undelivered, { timeout: 5000 }).toEqual([]);
  });
});
