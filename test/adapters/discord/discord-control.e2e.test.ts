import type { APIMessage } from 'discord.js';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { captureUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { solidPng } from '../e2e-services.js';
import { CALLBACK, EDIT, FOLLOW_UP, useDiscordOnEngine } from './double-bot.js';

const world = useDiscordOnEngine('discord-control', (fake) => ({
  DISCORD_ADMIN_ROLE_IDS: fake.world.roles.moderator.id,
  DISCORD_ALLOW_DMS: 'false',
}));
let fake: FakeDiscord;
let services: Services;
beforeAll(() => ({ fake, services } = world));

const png = solidPng;

const jobIdIn = (body: unknown) => /cancel:([0-9a-f-]{36})/.exec(JSON.stringify(body))?.[1];

/**
 * An interaction's answer: its callback (answered at once), an edit of its deferred reply, or a follow-up (after
 * a pick that updated its message).
 */
const answerOf =
  (ix: { id: string; token: string }) =>
  (c: { route: string; params: Record<string, string>; status?: number }) =>
    (c.route === CALLBACK && c.params.id === ix.id && (c.status ?? 0) < 300) ||
    ((c.route === EDIT || c.route === FOLLOW_UP) && c.params.token === ix.token);

/** The first answer to an interaction that names a job: the "queued" message. */
async function queuedJob(ix: { id: string; token: string }): Promise<string> {
  const call = await fake.waitForCall((c) => answerOf(ix)(c) && jobIdIn(c.body) !== undefined, 20_000);
  return jobIdIn(call.body) as string;
}

/**
 * discord.js keeps 200 messages per channel: in a busy channel a menu's target has left its cache by the time the
 * pick or the modal comes back, and fetching it again gets what Discord sends without the Message Content intent
 * (another member's message: no attachments).
 */
function forgetCachedMessages() {
  const channel = world.running.bot.client.channels.cache.get(fake.world.channel.id);
  if (channel?.isTextBased()) channel.messages.cache.clear();
}

/** Stops a job the test no longer needs, so the single worker is free for the next test. */
function drop(jobId: string) {
  const job = services.jobs.queue.get(jobId);
  if (job) services.jobs.queue.cancel(jobId, job.owner);
}

describe('Discord adapter controls', { timeout: 90_000 }, () => {
  it('registers the commands for guilds only when DMs are off', async () => {
    const put = await fake.waitForCall('PUT /applications/:app/commands');
    const commands = put.body as Array<{ name: string; contexts?: number[] }>;
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command.contexts, command.name).toEqual([0]);
  });

  it('a result over the interaction’s attachment_size_limit is sent as WebP or JPEG under the limit, and says so', async () => {
    const limit = 4096;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a red fox --steps 4' },
        attachmentSizeLimit: limit,
      }),
    );
    const final = await fake.waitForCall(
      (c) => c.route === EDIT && c.params.token === ix.token && JSON.stringify(c.body).includes('reroll:'),
      60_000,
    );
    const jobId = jobIdIn(JSON.stringify(final.body).replace('reroll:', 'cancel:')) as string;
    const original = services.jobs.store.readFile(jobId, services.jobs.queue.get(jobId)?.result?.file ?? '');
    expect(original.byteLength).toBeGreaterThan(limit);
    const file = final.files.find((f) => f.field.startsWith('files'));
    expect(file?.filename).toMatch(/\.(webp|jpg)$/);
    expect(file?.bytes.byteLength).toBeLessThanOrEqual(limit);
    const format = (await sharp(file?.bytes).metadata()).format;
    expect(['webp', 'jpeg']).toContain(format);
    expect(JSON.stringify(final.body)).toMatch(/upload limit here \(4 kB\), so it is sent as (WEBP|JPEG)/);
    // Previews are re-encoded too; none of them may land after the result.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const edits = fake.callsTo((c) => c.route === EDIT && c.params.token === ix.token);
    expect(JSON.stringify(edits.at(-1)?.body)).toContain('reroll:');
  });

  it('a member with an admin role runs at high priority and may cancel another user’s job', async () => {
    const { alice, bob } = fake.world.users;
    const moderator = fake.world.roles.moderator.id;
    const long = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'slow one --steps 120' }, user: alice }),
    );
    const aliceJob = await queuedJob(long);
    expect(services.jobs.queue.get(aliceJob)?.priority).toBe('normal');
    const own = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'moderated --steps 120' },
        user: bob,
        roles: [moderator],
      }),
    );
    const bobJob = await queuedJob(own);
    expect(services.jobs.queue.get(bobJob)?.priority).toBe('high');
    const message = fake.message(fake.interaction(long.id)?.originalMessageId ?? '') as APIMessage;
    const plain = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `cancel:${aliceJob}`, message, user: bob }),
    );
    const refused = await fake.waitForCall(answerOf(plain));
    expect(JSON.stringify(refused.body)).toMatch(/"flags":64/);
    expect(JSON.stringify(refused.body)).toMatch(/Only the person who asked/);
    expect(services.jobs.queue.get(aliceJob)?.status).not.toBe('cancelled');
    const admin = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `cancel:${aliceJob}`, message, user: bob, roles: [moderator] }),
    );
    const accepted = await fake.waitForCall(answerOf(admin));
    expect(JSON.stringify(accepted.body)).not.toMatch(/Only the person who asked/);
    await expect.poll(() => services.jobs.queue.get(aliceJob)?.status, { timeout: 20_000 }).toBe('cancelled');
    drop(bobJob);
  });

  it('with DMs off, a command or a mention in a DM gets one localized refusal and no job', async () => {
    const jobsBefore = services.jobs.store.byStatus('queued').length;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a cat' }, dm: true }),
    );
    const refusal = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === ix.id);
    expect(refusal.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(refusal.body)).toMatch(/direct messages/);
    const zh = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'help', dm: true, locale: 'zh-CN' as never }),
    );
    const zhRefusal = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === zh.id);
    expect(JSON.stringify(zhRefusal.body)).toMatch(/私信/);
    fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} a cat`,
        mentions: [fake.world.botUser],
        dm: true,
      }),
    );
    const dmReply = await fake.waitForCall(
      (c) => c.route === 'POST /channels/:channel/messages' && /direct messages/.test(JSON.stringify(c.body)),
    );
    expect(dmReply.params.channel).toBe(`${fake.world.users.alice.id}0`);
    expect(services.jobs.store.byStatus('queued').length).toBe(jobsBefore);
    // Autocomplete in a DM offers nothing, though the user has a job waiting in the guild.
    const waiting = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a dog --steps 90' } }),
    );
    await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === waiting.id);
    const offer = async (dm: boolean) => {
      const ix = fake.dispatchInteraction(fake.build.autocomplete({ name: 'cancel', focused: 'job', dm }));
      await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === ix.id);
      return (fake.interaction(ix.id)?.ack?.data as { choices?: Array<{ value: string }> } | undefined)
        ?.choices;
    };
    const offered = await offer(false);
    expect(offered).toHaveLength(1);
    expect(await offer(true)).toEqual([]);
    const cancel = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'cancel', options: { job: offered?.[0]?.value } }),
    );
    await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === cancel.id);
  });

  it('with DMs off, the buttons of a result the bot sent to DMs still work there', async () => {
    const { alice } = fake.world.users;
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a quiet fox --steps 4' } }),
    );
    const jobId = await queuedJob(ix);
    await expect.poll(() => services.jobs.queue.get(jobId)?.status, { timeout: 30_000 }).toBe('done');
    // The result as the bot sends it to Alice's DMs (a private job, or a channel that refused the bot).
    const inDm = fake.build.userMessage({ content: '', dm: true, author: fake.world.botUser });
    const message = { ...inDm, channel_id: `${alice.id}0` } as unknown as APIMessage;
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: `reroll:${jobId}`, message, dm: true }),
    );
    const again = await queuedJob(press);
    expect(services.jobs.queue.get(again)?.owner.userId).toBe(alice.id);
    drop(again);
  });

  it('a message with two images: each menu asks which one, and the job uses the picked image', async () => {
    const red = await png('#c33');
    const blue = await png('#33c');
    const target = fake.build.userMessage({
      content: 'two pictures',
      attachments: [
        fake.registerAttachment({ filename: 'red.png', bytes: red }),
        fake.registerAttachment({ filename: 'blue.png', bytes: blue }),
      ],
    });
    fake.dispatchMessage(target);
    const inputOf = (jobId: string) => services.jobs.store.readFile(jobId, 'input.png');

    // Describe image → an ephemeral select listing both → pick #2 → the describe job reads blue.png.
    const menu = fake.dispatchInteraction(fake.build.messageContextMenu({ name: 'Describe image', target }));
    const picker = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === menu.id);
    const data = (picker.body as { type: number; data: { flags: number; components: unknown[] } }).data;
    expect((picker.body as { type: number }).type).toBe(4);
    expect(data.flags & 64).toBe(64);
    const select = (data.components[0] as { components: Array<Record<string, unknown>> }).components[0];
    expect(select?.type).toBe(3);
    const options = (select?.options ?? []) as Array<{ label: string; value: string }>;
    expect(options.map((o) => o.label)).toEqual(['#1 · red.png', '#2 · blue.png']);
    const pickerMessage = fake.message(fake.interaction(menu.id)?.originalMessageId ?? '') as APIMessage;
    forgetCachedMessages();
    const pick = fake.dispatchInteraction(
      fake.build.selectMenu({ customId: select?.custom_id as string, values: ['1'], message: pickerMessage }),
    );
    const describeJob = await queuedJob(pick);
    expect(services.jobs.queue.get(describeJob)?.kind).toBe('describe');
    expect(inputOf(describeJob).equals(blue)).toBe(true);
    drop(describeJob);

    // Edit image… → the same picker → pick #2 → the modal → the edit job reads blue.png.
    const editMenu = fake.dispatchInteraction(fake.build.messageContextMenu({ name: 'Edit image…', target }));
    const editPicker = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === editMenu.id);
    const editSelect = JSON.stringify(editPicker.body).match(/"custom_id":"(pick:edit:\d+)"/)?.[1] as string;
    forgetCachedMessages();
    const editPick = fake.dispatchInteraction(
      fake.build.selectMenu({
        customId: editSelect,
        values: ['1'],
        message: fake.message(fake.interaction(editMenu.id)?.originalMessageId ?? '') as APIMessage,
      }),
    );
    const modal = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === editPick.id);
    expect((modal.body as { type: number }).type).toBe(9);
    const modalId = (modal.body as { data: { custom_id: string } }).data.custom_id;
    expect(modalId).toBe(`menuedit:${target.id}:1`);
    forgetCachedMessages();
    const submit = fake.dispatchInteraction(
      fake.build.modalSubmit({ customId: modalId, fields: { instruction: 'make it green --steps 4' } }),
    );
    const editJob = await queuedJob(submit);
    expect(services.jobs.queue.get(editJob)?.kind).toBe('edit');
    expect(inputOf(editJob).equals(blue)).toBe(true);
    drop(editJob);
  });

  it('"Retouch…" on a one-image message opens the form at once and makes a paint job with the boxes', async () => {
    const image = await png('#888');
    const target = fake.build.userMessage({
      content: 'one',
      attachments: [fake.registerAttachment({ filename: 'grey.png', bytes: image })],
    });
    fake.dispatchMessage(target);
    const menu = fake.dispatchInteraction(fake.build.messageContextMenu({ name: 'Retouch…', target }));
    const modal = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === menu.id);
    const data = (modal.body as { type: number; data: { custom_id: string } }).data;
    expect((modal.body as { type: number }).type).toBe(9);
    expect(data.custom_id).toBe(`menuretouch:${target.id}:0`);
    expect(JSON.stringify(modal.body)).toMatch(/"custom_id":"boxes"/);
    forgetCachedMessages();
    const submit = fake.dispatchInteraction(
      fake.build.modalSubmit({
        customId: data.custom_id,
        fields: { prompt: 'a small red boat --steps 4', boxes: '0.25,0.25,0.5,0.5' },
      }),
    );
    const jobId = await queuedJob(submit);
    const job = services.jobs.queue.get(jobId);
    expect(job?.kind).toBe('paint');
    expect(job?.request).toMatchObject({
      prompt: 'a small red boat',
      region: { kind: 'boxes', boxes: [{ x: 0.25, y: 0.25, w: 0.5, h: 0.5 }] },
    });
    expect(services.jobs.store.readFile(jobId, 'input.png').equals(image)).toBe(true);
    drop(jobId);
  });

  it('a mention replying to a two-image message asks its author which one; others may not answer', async () => {
    const red = await png('#a22');
    const green = await png('#2a2');
    // Bob's message names the bot, so Discord sends its images without the Message Content intent (the bot asks
    // Bob which one too, about his own question).
    const target = fake.build.userMessage({
      content: `${mention(fake.world.botUser)} pair`,
      mentions: [fake.world.botUser],
      author: fake.world.users.bob,
      attachments: [
        fake.registerAttachment({ filename: 'left.png', bytes: red }),
        fake.registerAttachment({ filename: 'right.png', bytes: green }),
      ],
    });
    fake.dispatchMessage(target);
    const ask = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} make it brighter --steps 4`,
        mentions: [fake.world.botUser],
        replyTo: target,
      }),
    );
    const picker = await fake.waitForCall(
      (c) =>
        c.route === 'POST /channels/:channel/messages' &&
        JSON.stringify(c.body).includes(`pick:mention:${ask.id}`),
    );
    expect(JSON.stringify(picker.body)).toContain('#2 · right.png');
    const pickerMessage = [...fake.store.messages.values()].find((m) =>
      JSON.stringify(m.components ?? []).includes(`pick:mention:${ask.id}`),
    ) as APIMessage;
    expect(pickerMessage?.author.id).toBe(fake.world.botUser.id);
    const stranger = fake.dispatchInteraction(
      fake.build.selectMenu({
        customId: `pick:mention:${ask.id}`,
        values: ['0'],
        message: pickerMessage,
        user: fake.world.users.bob,
      }),
    );
    const refused = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === stranger.id);
    expect(JSON.stringify(refused.body)).toMatch(/Only the person who asked/);
    const pick = fake.dispatchInteraction(
      fake.build.selectMenu({ customId: `pick:mention:${ask.id}`, values: ['1'], message: pickerMessage }),
    );
    const jobId = await queuedJob(pick);
    const job = services.jobs.queue.get(jobId);
    expect(job?.kind).toBe('edit');
    expect(job?.request).toMatchObject({ prompt: 'make it brighter', steps: 4 });
    expect(services.jobs.store.readFile(jobId, 'input.png').equals(green)).toBe(true);
    drop(jobId);
  });
});

describe('Discord adapter robustness', { timeout: 60_000 }, () => {
  const help = async () => {
    const ix = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help' }));
    const answer = await fake.waitForCall(
      (c) => c.route === CALLBACK && c.params.id === ix.id && (c.status ?? 0) < 300,
      15_000,
    );
    expect(JSON.stringify(answer.body)).toMatch(/imagine/);
    // /help is personal: only the one who asked sees it.
    expect(JSON.stringify(answer.body)).toMatch(/"flags":64/);
  };

  it('a refused acknowledgement, a rate limit, malformed events and a reconnect never stop it answering', async () => {
    fake.failRoute(CALLBACK, { times: 1, status: 400, code: 50035, message: 'Invalid Form Body' });
    const failed = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help' }));
    await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === failed.id && c.status === 400);
    // The user still hears something: the one localized error, as the interaction's (second) response.
    const apology = await fake.waitForCall(
      (c) => c.route === CALLBACK && c.params.id === failed.id && c.status < 300,
    );
    expect(JSON.stringify(apology.body)).toMatch(/Something went wrong/);
    await help();

    fake.rateLimit(CALLBACK, { times: 2, retryAfterSeconds: 0.2 });
    await help();
    expect(fake.callsTo(CALLBACK).filter((c) => c.status === 429).length).toBeGreaterThanOrEqual(2);

    const { captured } = await captureUnhandledRejections(async () => {
      fake.dispatch('MESSAGE_CREATE', {
        id: '1',
        channel_id: fake.world.channel.id,
        author: null,
        content: null,
      });
      fake.dispatch('INTERACTION_CREATE', { id: '2', type: 2, token: 't', data: null });
      fake.dispatch('MESSAGE_CREATE', {
        ...fake.build.userMessage({ content: mention(fake.world.botUser), mentions: [fake.world.botUser] }),
        attachments: null,
      });
      await help();
    });
    expect(captured.every((reason) => reason instanceof Error)).toBe(true);

    fake.gateway.requestReconnect();
    await fake.gatewayFrames.waitForCalls((frame) => frame.op === 6, 1, 10_000);
    await help();
  });
});
