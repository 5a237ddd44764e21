// A job's first reply that Discord refuses for good, with the real discord.js client against the in-repo fake on a
// slow engine double (a job of another user's runs meanwhile, so the refused one is still waiting): a mention's
// reply (Invalid Form Body, Missing Permissions, Unknown Channel) and a pick's follow-up. The job, and a
// permutation's further jobs that reply would have carried, are withdrawn and never run; the user hears "try again"
// where Discord still takes a message (not in a channel that refused the bot); a later job runs as usual.
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineRequest } from '../../../engine/index.js';
import { t } from '../../../src/i18n.js';
import { type DiscordCall, type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import {
  CHANNEL_POST,
  FOLLOW_UP,
  jobIdIn,
  jobsAsking,
  mentionWithTwoImages,
  useDiscordOnDouble,
} from './double-bot.js';

// 1.5 s a job; the other user's job that the refused one waits behind is held until the test lets it end: its 1.5 s
// stood in for "still running", and a loaded machine could let it end (and the refused job start) first.
const engine = new TimedEngineDouble(250, 6);
let letBusyEnd = () => {};
const generate = engine.generate.bind(engine);
engine.generate = async (request, options) => {
  if ('prompt' in request && / busy/.test(request.prompt))
    await new Promise<void>((resolve) => {
      letBusyEnd = resolve;
    });
  return generate(request, options);
};
const world = useDiscordOnDouble(
  'discord-refused-first-reply',
  { QUEUE_MAX_PER_USER: '10', QUEUE_MAX_BATCH: '1' },
  { engine },
);
const { deliveries, ended } = world;
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

const statusOf = (jobId: string) => world.services.jobs.queue.get(jobId)?.status;
/** Whether the engine was ever given a request naming `word` (its prompt or instruction). */
const started = (word: string) =>
  engine.started.some((request: EngineRequest) =>
    Object.values(request).some((value) => typeof value === 'string' && value.includes(word)),
  );
const repliesTo = (ask: { id: string }) => (c: DiscordCall) =>
  c.route === CHANNEL_POST && c.body?.message_reference?.message_id === ask.id;

/** A mention of the bot by `author`; resolves with the job its (first) reply names. */
async function mentionJob(text: string, author = fake.world.users.alice): Promise<string> {
  const ask = fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      author,
    }),
  );
  const reply = await fake.waitForCall((c) => repliesTo(ask)(c) && c.status === 200, 10_000);
  return jobIdIn(reply.body) as string;
}

/** Another user's job, running until `busyEnded`: what is submitted next waits behind it. */
async function busy(word: string): Promise<string> {
  const jobId = await mentionJob(`a ${word} owl`, fake.world.users.bob);
  await expect.poll(() => statusOf(jobId), { timeout: 10_000 }).toBe('running');
  return jobId;
}

/** Lets the held job of `busy` end, and waits until it has. */
function busyEnded(jobId: string): Promise<unknown> {
  letBusyEnd();
  return ended(jobId);
}

/** A later mention of alice's runs and is delivered as usual. */
async function laterRuns(word: string): Promise<void> {
  const later = await mentionJob(`a ${word} fox`);
  await ended(later);
  expect(statusOf(later)).toBe('done');
  expect(deliveries.get(later)).toBe('edited');
}

const REFUSALS = [
  { status: 400, code: 50035, message: 'Invalid Form Body', told: true },
  { status: 403, code: 50013, message: 'Missing Permissions', told: false },
  { status: 404, code: 10003, message: 'Unknown Channel', told: false },
] as const;

describe('Discord: a first reply refused for good', { timeout: 60_000 }, () => {
  for (const { status, code, message, told } of REFUSALS) {
    it(`a mention’s reply refused (${code}): its job is withdrawn and never runs, a later one runs`, async () => {
      const word = `refused${code}`;
      const blocking = await busy(`busy${code}`);
      const ask = fake.build.userMessage({
        content: `${mention(fake.world.botUser)} a ${word} fox`,
        mentions: [fake.world.botUser],
      });
      fake.failRoute(repliesTo(ask), { status, code, message });
      fake.dispatchMessage(ask);
      await expect
        .poll(() => jobsAsking(world.services, word)[0]?.status, { timeout: 10_000 })
        .toBe('cancelled');
      const replies = fake.callsTo(repliesTo(ask));
      // Where the message, not the channel, was refused, the user hears to try again; a refusing channel is left.
      if (told) {
        await expect.poll(() => fake.callsTo(repliesTo(ask)).length, { timeout: 5000 }).toBe(2);
        const [, line] = fake.callsTo(repliesTo(ask));
        expect([line?.status, line?.body?.content]).toEqual([200, t('en', 'errors.generic')]);
      } else expect(replies.map((c) => c.status)).toEqual([status]);
      await busyEnded(blocking);
      await laterRuns(`later${code}`);
      expect(started(word)).toBe(false);
      expect(jobsAsking(world.services, word)).toHaveLength(1);
      // A withdrawn job is no lost result: not listed as one, nor announced at the next command.
      expect(
        world.services.jobs.store.deliveries.undeliveredOf({
          platform: 'discord',
          userId: fake.world.users.alice.id,
        }),
      ).toEqual([]);
    });
  }

  it('a permutation’s first reply refused: every job it started is withdrawn, none is posted or run', async () => {
    const blocking = await busy('busyperm');
    const ask = fake.build.userMessage({
      content: `${mention(fake.world.botUser)} a {tin, clay} refusedperm cup`,
      mentions: [fake.world.botUser],
    });
    fake.failRoute(repliesTo(ask), { status: 400, code: 50035, message: 'Invalid Form Body' });
    fake.dispatchMessage(ask);
    await expect
      .poll(() => jobsAsking(world.services, 'refusedperm').map((job) => job.status), { timeout: 10_000 })
      .toEqual(['cancelled', 'cancelled']);
    // The refused reply and the line saying to try again: the second job's reply is not tried.
    await expect
      .poll(() => fake.callsTo(repliesTo(ask)).map((c) => c.status), { timeout: 5000 })
      .toEqual([400, 200]);
    await busyEnded(blocking);
    await laterRuns('laterperm');
    expect(started('refusedperm')).toBe(false);
  });

  it('a pick’s follow-up refused: its job is withdrawn and never runs, the picker is told privately', async () => {
    const blocking = await busy('busypick');
    const { customId, picker } = await mentionWithTwoImages(fake, 'refusedpick brighter');
    const pick = fake.build.selectMenu({ customId, values: ['1'], message: picker });
    const followUps = (c: DiscordCall) => c.route === FOLLOW_UP && c.params.token === pick.token;
    fake.failRoute(followUps, { status: 400, code: 50035, message: 'Invalid Form Body' });
    fake.dispatchInteraction(pick);
    await expect
      .poll(() => jobsAsking(world.services, 'refusedpick')[0]?.status, { timeout: 10_000 })
      .toBe('cancelled');
    await expect.poll(() => fake.callsTo(followUps).length, { timeout: 5000 }).toBe(2);
    const [, line] = fake.callsTo(followUps);
    expect(line?.status).toBe(200);
    expect(line?.body?.content).toBe(t('en', 'errors.generic'));
    // Private: the pick's message (a public picker) is not where the error goes.
    expect(line?.body?.flags).toBe(64);
    await busyEnded(blocking);
    await laterRuns('laterpick');
    expect(started('refusedpick')).toBe(false);
  });
});
