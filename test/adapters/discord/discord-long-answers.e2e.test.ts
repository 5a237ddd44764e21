// An answer longer than one Discord message (2000 characters) goes on in further messages, split between its
// lines, instead of losing its end: an admin's /help in German or French is over 2000 characters, and a long
// /queue lists undelivered answers, each delivered once the message holding it was sent: one Discord refuses leaves
// its answers for the next /queue.
import { Locale } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, descriptionKey, listedCommands } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import type { Job } from '../../../src/jobs/index.js';
import { type DiscordCall, type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { CALLBACK, CHANNEL_POST, FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

let fake: FakeDiscord;
const world = useDiscordOnDouble('discord-long-answers', {
  ADMIN_IDS: 'discord:910000000000000001',
});
beforeAll(() => {
  fake = world.fake;
});

/** What an admin's /help says in `locale`, line by line, as the commands layer writes it. */
function helpLines(locale: 'de' | 'fr'): string[] {
  return [
    t(locale, 'help.text'),
    ...listedCommands(COMMANDS, 'discord', true).map((spec) =>
      t(locale, 'help.command', { command: spec.name, description: t(locale, descriptionKey(spec.name)) }),
    ),
    t(locale, 'help.flags'),
    t(locale, 'help.discord.images'),
  ];
}

describe('Discord: answers longer than a message', { timeout: 30_000 }, () => {
  for (const [locale, discordLocale] of [
    ['de', Locale.German],
    ['fr', Locale.French],
  ] as const) {
    it(`an admin’s /help in ${locale} arrives whole, in private messages of at most 2000 characters`, async () => {
      const lines = helpLines(locale);
      expect(lines.join('\n').length).toBeGreaterThan(2000);
      const user = { ...fake.world.users.alice, id: '910000000000000001', username: `admin-${locale}` };
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'help', user, locale: discordLocale }),
      );
      const first = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === ix.id);
      const more = await fake.waitForCall((c) => c.route === FOLLOW_UP && c.params.token === ix.token);
      const bodies = [
        (first.body as { data: { content: string; flags?: number } }).data,
        more.body as { content: string; flags?: number },
      ];
      for (const body of bodies) {
        expect(body.content.length).toBeLessThanOrEqual(2000);
        expect(body.flags).toBe(64);
      }
      // Split between whole lines, none lost or cut.
      expect(bodies.map((b) => b.content).join('\n')).toBe(lines.join('\n'));
    });
  }

  it('a mention asking for it is answered in replies of at most 2000 characters, the whole text', async () => {
    const lines = helpLines('de');
    const user = { ...fake.world.users.alice, id: '910000000000000001', username: 'admin-mention' };
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { language: 'de' }, user }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const ask = fake.dispatchMessage(
      fake.build.userMessage({
        author: user,
        content: `${mention(fake.world.botUser)} /help`,
        mentions: [fake.world.botUser],
      }),
    );
    const replies = await fake.waitForCalls(
      (c) =>
        c.route === CHANNEL_POST &&
        (c.body as { message_reference?: { message_id?: string } }).message_reference?.message_id === ask.id,
      2,
    );
    const contents = replies.map((c) => (c.body as { content: string }).content);
    for (const content of contents) expect(content.length).toBeLessThanOrEqual(2000);
    expect(contents.join('\n')).toBe(lines.join('\n'));
  });
});

/** A user of these tests' own, so that what one test leaves undelivered is not listed in another. */
const userOf = (n: number) => ({
  ...fake.world.users.alice,
  id: `92000000000000000${n}`,
  username: `queue-${n}`,
});

let template: Job | undefined;
/** A finished job, to copy as the answers that never reached their owner. */
async function finishedJob(): Promise<Job> {
  if (template) return template;
  const ix = fake.dispatchInteraction(
    fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a template fox --steps 3' } }),
  );
  const jobId = await world.queuedJob(ix);
  await world.ended(jobId);
  template = world.services.jobs.store.get(jobId) as Job;
  return template;
}

/** `count` finished describe answers of 480 characters, none of which reached `userId`. */
async function lostAnswers(userId: string, tag: string, count: number): Promise<Map<string, string>> {
  const { store } = world.services.jobs;
  const done = await finishedJob();
  const answers = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const text =
      `${tag} answer ${String(i).padStart(2, '0')}: ${'a grey cat on a red sofa, '.repeat(18)}`.slice(0, 480);
    const job: Job = {
      ...done,
      id: store.newId(),
      seq: store.nextSeq(),
      owner: { platform: 'discord', userId },
      status: 'done',
      result: { text },
    };
    store.insert(job);
    store.deliveries.markUndelivered(job.id);
    answers.set(job.id, text);
  }
  return answers;
}

const undeliveredOf = (userId: string) =>
  world.services.jobs.store.deliveries
    .undeliveredOf({ platform: 'discord', userId })
    .map((job) => job.id)
    .sort();

/** The text of a message the bot sent: an interaction's answer (its `data`) or a follow-up. */
const contentOf = (call: DiscordCall) => {
  const body = call.body as { content?: string; data?: { content?: string } };
  return body.data?.content ?? body.content ?? '';
};

describe('Discord: a /queue delivers its answers only once sent', { timeout: 30_000 }, () => {
  it('a /queue Discord refuses delivers nothing: its answers are listed again, and delivered once sent', async () => {
    const user = userOf(1);
    const answers = await lostAnswers(user.id, 'refused', 3);
    const [one] = [...answers.values()];
    fake.failRoute((c) => c.route === CALLBACK && contentOf(c).includes(one as string), {
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    const refused = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    // The user is told to try again instead.
    const told = await fake.waitForCall(fake.answerOf(refused), 10_000);
    expect(contentOf(told)).toBe(t('en', 'errors.generic'));
    expect(undeliveredOf(user.id)).toEqual([...answers.keys()].sort());
    // The next one is sent: every answer arrives in it, and is delivered.
    const sent = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const listed = await fake.waitForCall(fake.answerOf(sent), 10_000);
    for (const answer of answers.values()) expect(contentOf(listed)).toContain(answer);
    await expect.poll(() => undeliveredOf(user.id), { timeout: 5000 }).toEqual([]);
  });

  it('a long /queue whose second message Discord refuses delivers the first message’s answers only', async () => {
    const user = userOf(2);
    const answers = await lostAnswers(user.id, 'split', 20);
    fake.failRoute((c) => c.route === FOLLOW_UP && contentOf(c).includes('split answer'), {
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    const ix = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const first = await fake.waitForCall(fake.answerOf(ix), 10_000);
    const second = await fake.waitForCall(
      (c) => c.route === FOLLOW_UP && c.params.token === ix.token,
      10_000,
    );
    expect(second.status).toBe(400);
    const inFirst = [...answers.keys()].filter((id) => contentOf(first).includes(answers.get(id) as string));
    expect(inFirst.length).toBeGreaterThan(0);
    expect(inFirst.length).toBeLessThan(answers.size);
    // The first message's answers are delivered; the refused one's, and those after it, are not.
    const rest = [...answers.keys()].filter((id) => !inFirst.includes(id)).sort();
    await expect.poll(() => undeliveredOf(user.id), { timeout: 5000 }).toEqual(rest);
    // The next /queue lists them again, and once its messages are sent they are delivered.
    const again = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const listed = () =>
      fake
        .callsTo((c) => fake.answerOf(again)(c) || (c.route === FOLLOW_UP && c.params.token === again.token))
        .map(contentOf)
        .join('\n');
    await expect
      .poll(() => rest.filter((id) => listed().includes(answers.get(id) as string)), { timeout: 10_000 })
      .toEqual(rest);
    await expect.poll(() => undeliveredOf(user.id), { timeout: 5000 }).toEqual([]);
  });
});
