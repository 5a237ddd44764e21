// An answer longer than one Discord message (2000 characters) goes on in further messages, split between its
// lines, instead of losing its end: an admin's /help in German or French is over 2000 characters, and a long
// /queue lists undelivered answers, each delivered once the message holding it was sent: one Discord refuses leaves
// its answers for the next /queue. A status message, one message edited in place, carries a text it cannot hold as
// message.txt; a line to change longer than a modal field is offered in two.
import { Locale } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, descriptionKey, listedCommands } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import type { Job } from '../../../src/jobs/index.js';
import { type DiscordCall, type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { CALLBACK, CHANNEL_POST, EDIT, FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

let fake: FakeDiscord;
const engine = new TimedEngineDouble(40, 6);
const world = useDiscordOnDouble(
  'discord-long-answers',
  { ADMIN_IDS: 'discord:910000000000000001' },
  { engine },
);
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

describe('Discord: a status message longer than a message', { timeout: 30_000 }, () => {
  it('a describe answer over 2000 characters ends its status message cut, its whole text beside it as message.txt', async () => {
    engine.answer = `${'a grey cat on a red sofa, '.repeat(120)}the end`;
    const image = fake.registerAttachment({ filename: 'cat.png', bytes: await solidPng('#a63') });
    const ix = fake.dispatchInteraction(fake.build.slashCommand({ name: 'describe', options: { image } }));
    const jobId = await world.queuedJob(ix);
    await world.ended(jobId);
    const final = fake
      .callsTo((c) => c.route === EDIT && c.params.token === ix.token)
      .find((c) => contentOf(c).startsWith('a grey cat')) as DiscordCall;
    expect(contentOf(final).length).toBeLessThanOrEqual(2000);
    expect(final.files.map((f) => [f.filename, Buffer.from(f.bytes).toString('utf8')])).toEqual([
      ['message.txt', engine.answer],
    ]);
  });
});

describe('Discord: a line to change longer than a modal field', { timeout: 30_000 }, () => {
  it('Remix offers it whole in two fields; submitted unchanged, they make the same job', async () => {
    const line = `${'\\{'.repeat(1000)} --size 256x256 --seed 9 --steps 2 --no ${'\\}'.repeat(1000)}`;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: line } }),
    );
    const jobId = await world.queuedJob(ix);
    await world.ended(jobId);
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `remix:${jobId}`, message: message as never }),
    );
    const modal = (await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === press.id)).body as {
      data: {
        custom_id: string;
        components: Array<{ components: Array<{ custom_id: string; value: string }> }>;
      };
    };
    const inputs = modal.data.components.map((row) => row.components[0]);
    // Cut to Discord's 4000, the line lost the end of its --no: offered in two fields, none of it is.
    expect(inputs.map((input) => input?.custom_id)).toEqual(['line', 'line_rest']);
    for (const input of inputs) expect(input?.value.length).toBeLessThanOrEqual(4000);
    expect(inputs.map((input) => input?.value).join(' ')).toBe(line);
    const fields = Object.fromEntries(inputs.map((input) => [input?.custom_id, input?.value]));
    const submit = fake.dispatchInteraction(
      fake.build.modalSubmit({ customId: modal.data.custom_id, fields, message: message as never }),
    );
    const remixed = await world.queuedJob(submit);
    expect(world.services.jobs.queue.get(remixed)?.request).toMatchObject({
      prompt: '{'.repeat(1000),
      negativePrompt: '}'.repeat(1000),
      seed: 9,
      steps: 2,
    });
  });
});
