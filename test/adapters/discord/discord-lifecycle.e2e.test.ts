// The job-status lifecycle on Discord with the real discord.js client against the in-repo fake, on a fast engine
// double: one status message per job to its final state whatever happens to it (cancel by any route, an expired
// token, a deleted message, refused edits), no mass pings, private answers private, repeated and odd events
// handled once. Any unhandled rejection fails the test.
import type { APIMessage } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import { type DiscordCall, type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { CALLBACK, CHANNEL_EDIT, CHANNEL_POST, EDIT, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-lifecycle', { QUEUE_MAX_PER_USER: '10' });
const { deliveries, queuedJob, ended } = world;
let fake: FakeDiscord;
let services: Services;
beforeAll(() => ({ fake, services } = world));

/** The message body of a call that sends or edits a message (a callback carries it under `data`). */
function messageBody(call: DiscordCall): Record<string, unknown> | undefined {
  const body = call.body as Record<string, unknown> | undefined;
  if (!body) return undefined;
  if (call.route === CALLBACK) return body.data as Record<string, unknown> | undefined;
  return body;
}

describe('Discord job lifecycle', { timeout: 60_000 }, () => {
  it('a job ends in its own status message: the result with its buttons, no Cancel left', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox' } }),
    );
    const jobId = await queuedJob(ix);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '') as APIMessage;
    expect(JSON.stringify(message.components)).toContain(`reroll:${jobId}`);
    expect(JSON.stringify(message.components)).not.toContain('cancel:');
  });

  it('/cancel ends the job’s own status message (Cancelled, no buttons); the /cancel answer is private', async () => {
    const { bob } = fake.world.users;
    const first = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'first' }, user: bob }),
    );
    const second = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'second' }, user: bob }),
    );
    await queuedJob(first);
    const jobId = await queuedJob(second);
    const cancel = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'cancel', options: { job: jobId.slice(0, 8) }, user: bob }),
    );
    const answer = await fake.waitForCall(fake.answerOf(cancel));
    expect(JSON.stringify(answer.body)).toMatch(/"flags":64/);
    await ended(jobId);
    const status = fake.message(fake.interaction(second.id)?.originalMessageId ?? '') as APIMessage;
    expect(status.content).toBe(t('en', 'job.cancelled'));
    expect(status.components ?? []).toEqual([]);
    // The /cancel reply never became the job's message: it was not edited afterwards.
    expect(fake.callsTo((c) => c.route === EDIT && c.params.token === cancel.token)).toEqual([]);
  });

  it('an expired interaction token: the same message is edited through the channel to its final state', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'late' } }),
    );
    const jobId = await queuedJob(ix);
    fake.expireInteraction(ix.id);
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    const messageId = fake.interaction(ix.id)?.originalMessageId ?? '';
    const edits = fake.callsTo((c) => c.route === CHANNEL_EDIT && c.params.message === messageId);
    expect(JSON.stringify(edits.at(-1)?.body)).toContain(`reroll:${jobId}`);
    expect(edits.at(-1)?.status).toBe(200);
    expect(JSON.stringify(fake.message(messageId)?.components)).not.toContain('cancel:');
  });

  it('a deleted status message: the result is a reply that pings only the requester', async () => {
    const { alice } = fake.world.users;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'gone' } }),
    );
    const jobId = await queuedJob(ix);
    fake.expireInteraction(ix.id);
    fake.deleteMessage(fake.interaction(ix.id)?.originalMessageId ?? '');
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('replied');
    const post = fake.callsTo(CHANNEL_POST).find((c) => JSON.stringify(c.body).includes(`reroll:${jobId}`));
    const body = post?.body as { content: string; allowed_mentions: Record<string, unknown> };
    expect(body.content.startsWith(`<@${alice.id}>`)).toBe(true);
    expect(body.allowed_mentions).toMatchObject({ parse: [], users: [alice.id] });
    expect(post?.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
  });

  it('refused edits and a refused reply: the job is undelivered, said at the next interaction and in /queue', async () => {
    const user = { ...fake.world.users.bob, id: '930000000000000001', username: 'carol' };
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'x' }, user }),
    );
    const jobId = await queuedJob(ix);
    fake.refuseEdits(1000);
    fake.failRoute(CHANNEL_POST, { times: 1000, status: 403, code: 50013, message: 'Missing Permissions' });
    await ended(jobId);
    fake.failures.clear();
    expect(deliveries.get(jobId)).toBe('undelivered');
    const help = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help', user }));
    const told = await fake.waitForCall(fake.answerOf(help));
    expect(JSON.stringify(told.body)).toContain(t('en', 'job.undelivered_notice', { count: 1 }));
    const queue = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue', user }));
    const listed = await fake.waitForCall(fake.answerOf(queue));
    expect(JSON.stringify(listed.body)).toContain(jobId.slice(0, 8));
    expect(JSON.stringify(listed.body)).toContain(`original:${jobId}`);
    const again = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help', user }));
    expect(JSON.stringify((await fake.waitForCall(fake.answerOf(again))).body)).not.toContain('/queue lists');
  });
});

describe('Discord: no mass pings, private answers', { timeout: 60_000 }, () => {
  it('nothing the bot sends can ping @everyone, @here or a role, whatever the user typed', async () => {
    const role = fake.world.roles.moderator.id;
    const hostile = `@everyone @here <@&${role}> <@${fake.world.users.bob.id}>`;
    const ixs = [
      fake.build.slashCommand({ name: 'imagine', options: { prompt: `${hostile} --ar @everyone` } }),
      fake.build.slashCommand({ name: 'imagine', options: { prompt: `a cat ${hostile}` } }),
      fake.build.slashCommand({ name: 'settings', options: { aspect: '@everyone' } }),
      fake.build.slashCommand({ name: 'cancel', options: { job: '@here' } }),
    ].map((payload) => fake.dispatchInteraction(payload));
    fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} ${hostile} --steps @everyone`,
        mentions: [fake.world.botUser],
      }),
    );
    for (const ix of ixs) await fake.waitForCall(fake.answerOf(ix));
    const job = await queuedJob(ixs[1] as { id: string; token: string });
    await ended(job);
    await fake.waitForCall((c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes('@everyone'));
    const sent = fake.calls.filter((c) => /content/.test(JSON.stringify(messageBody(c) ?? {})));
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.some((c) => JSON.stringify(messageBody(c)).includes('@everyone'))).toBe(true);
    for (const call of sent) {
      const allowed = messageBody(call)?.allowed_mentions as
        | { parse?: string[]; roles?: string[] }
        | undefined;
      expect(allowed, call.route).toBeDefined();
      expect(allowed?.parse ?? [], call.route).toEqual([]);
      expect(allowed?.roles ?? [], call.route).toEqual([]);
    }
    // The client's default covers anything sent without its own setting.
    expect(world.bot.client.options.allowedMentions).toMatchObject({ parse: [] });
  });

  it('/queue, /settings, /help and every refusal are ephemeral; a job’s status message is not', async () => {
    const flagsOf = (call: DiscordCall) => Number((messageBody(call) as { flags?: number })?.flags ?? 0) & 64;
    const personal = [
      fake.build.slashCommand({ name: 'queue' }),
      fake.build.slashCommand({ name: 'settings' }),
      fake.build.slashCommand({ name: 'help' }),
      fake.build.slashCommand({ name: 'imagine', options: {} }),
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'x --steps 9999' } }),
    ].map((payload) => fake.dispatchInteraction(payload));
    for (const ix of personal) expect(flagsOf(await fake.waitForCall(fake.answerOf(ix)))).toBe(64);
    const noPrompt = await fake.waitForCall(fake.answerOf(personal[3] as { id: string; token: string }));
    expect(JSON.stringify(noPrompt.body)).toContain(t('en', 'errors.prompt_empty'));
    const job = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'ok' } }),
    );
    expect(flagsOf(await fake.waitForCall(fake.answerOf(job)))).toBe(0);
    await ended(await queuedJob(job));
  });
});

describe('Discord: repeated and odd events', { timeout: 60_000 }, () => {
  it('the same interaction delivered twice makes one job and one answer', async () => {
    const before = services.jobs.store.byStatus('queued', 'running', 'done').length;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'twice' } }),
    );
    fake.redeliverInteraction(ix.id);
    fake.redeliverInteraction(ix.id);
    const jobId = await queuedJob(ix);
    await ended(jobId);
    expect(services.jobs.store.byStatus('queued', 'running', 'done').length).toBe(before + 1);
    expect(fake.callsTo((c) => c.route === CALLBACK && c.params.id === ix.id).length).toBe(1);
  });

  it('/edit whose attachment is missing from resolved gets the image-missing answer', async () => {
    const image = fake.registerAttachment({ filename: 'a.png', bytes: Buffer.from('x') });
    const payload = fake.build.slashCommand({ name: 'edit', options: { image, instruction: 'bluer' } });
    (payload.data as { resolved?: unknown }).resolved = undefined;
    const ix = fake.dispatchInteraction(payload);
    const answer = await fake.waitForCall(fake.answerOf(ix));
    expect(JSON.stringify(answer.body)).toContain(
      t('en', 'errors.input.image_missing', { command: '/edit' }),
    );
  });

  it('a mention replying to a deleted message is told so, and no job starts', async () => {
    const target = fake.dispatchMessage(fake.build.userMessage({ content: 'soon gone' }));
    fake.deleteMessage(target.id);
    const before = services.jobs.store.byStatus('queued', 'running', 'done').length;
    const ask = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} bluer`,
        mentions: [fake.world.botUser],
        replyTo: target,
      }),
    );
    const reply = await fake.waitForCall(
      (c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(ask.id),
      10_000,
    );
    expect(JSON.stringify(reply.body)).toContain(t('en', 'errors.discord.reference_gone'));
    expect(services.jobs.store.byStatus('queued', 'running', 'done').length).toBe(before);
  });

  it('gateway events with null components, activity and member are handled; the bot keeps answering', async () => {
    const message = fake.build.userMessage({
      content: `${mention(fake.world.botUser)} a null-field cat`,
      mentions: [fake.world.botUser],
    });
    fake.dispatchMessage({ ...message, components: null, activity: null, member: null } as never);
    const reply = await fake.waitForCall(
      (c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(message.id),
      10_000,
    );
    const jobId = jobIdIn(reply.body) as string;
    await ended(jobId);
    expect(deliveries.get(jobId)).toBe('edited');
    // No author, or an interaction naming nobody: ignored once, without an unhandled rejection (checked after
    // each test).
    fake.dispatch('MESSAGE_CREATE', {
      ...message,
      id: '1',
      author: null,
      content: `${mention(fake.world.botUser)}`,
    });
    const nobody = fake.build.slashCommand({ name: 'imagine', options: { prompt: 'who' } });
    fake.dispatch('INTERACTION_CREATE', { ...nobody, user: null, member: null });
    fake.dispatch('INTERACTION_CREATE', null);
    const help = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help' }));
    await fake.waitForCall(fake.answerOf(help));
    expect(fake.callsTo((c) => JSON.stringify(c.params).includes(nobody.id))).toEqual([]);
  });
});
