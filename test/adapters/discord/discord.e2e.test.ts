// The Discord adapter with a real discord.js client against the in-repo fake Discord, and the real engine on a
// generated checkpoint (no engine double): the REST calls it makes are the assertions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Locale } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../adapters/discord/index.js';
import { buildCommands } from '../../../src/app-services.js';
import { loadConfig } from '../../../src/config/index.js';
import { t } from '../../../src/i18n.js';
import { createLogger } from '../../../src/log.js';
import { openServices, type Services } from '../../../src/services.js';
import { CHAT_COMMANDS } from '../../command-table.js';
import { makeUser } from '../../doubles/fake-discord/builders.js';
import { type FakeDiscord, mention, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { EDIT, useDiscordOnEngine } from './double-bot.js';

const world = useDiscordOnEngine('discord', () => ({ MAX_INPUT_MB: '1' }));
let fake: FakeDiscord;
let services: Services;
beforeAll(() => ({ fake, services } = world));

const png = solidPng;

/** What one interaction's answer showed, in order: its first response, then the edits of it. */
function statesOf(ix: { id: string; token: string }) {
  return fake.callsTo(fake.answerOf(ix));
}

async function finalEditOf(token: string, timeoutMs = 60_000) {
  return fake.waitForCall(
    (c) => c.route === EDIT && c.params.token === token && JSON.stringify(c.body ?? '').includes('reroll:'),
    timeoutMs,
  );
}

/** Presses a button that asks with a modal, and returns the modal Discord was sent. */
async function modalOf(customId: string, message: unknown) {
  const press = fake.dispatchInteraction(fake.build.buttonPress({ customId, message: message as never }));
  const modal = await fake.waitForCall(
    (c) => c.route === 'POST /interactions/:id/:token/callback' && c.params.id === press.id,
  );
  return modal.body as { type: number; data: { custom_id: string; title: string } };
}

/** Submits a line modal with `line`, and returns the request of the job its answer made. */
async function submitLine(customId: string, line: string, message: unknown) {
  const submit = fake.dispatchInteraction(
    fake.build.modalSubmit({ customId, fields: { line }, message: message as never }),
  );
  const answered = await finalEditOf(submit.token);
  const newJob = /reroll:([0-9a-f-]{36})/.exec(JSON.stringify(answered.body))?.[1] as string;
  return services.jobs.queue.get(newJob)?.request;
}

describe('Discord adapter', { timeout: 90_000 }, () => {
  it('registers the commands with localizations', async () => {
    const put = await fake.waitForCall('PUT /applications/:app/commands');
    const names = (put.body as Array<{ name: string; name_localizations?: Record<string, string> }>).map(
      (c) => c.name,
    );
    expect(names).toEqual(expect.arrayContaining([...CHAT_COMMANDS, 'Describe image']));
  });

  it('/imagine: answered within the deadline, queued text, a progress edit, then a PNG with buttons', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a red fox --steps 6 --ar 1:1' },
        locale: Locale.EnglishUS,
      }),
    );
    const final = await finalEditOf(ix.token);
    const state = fake.interaction(ix.id);
    expect(state?.ack?.type).toBe(4);
    expect((state?.ack?.at ?? Infinity) - (state?.dispatchedAt ?? 0)).toBeLessThan(3000);
    const edits = statesOf(ix).map((c) => JSON.stringify(c.body));
    expect(edits[0]).toMatch(/Queued/);
    expect(edits.some((e) => /step \d+ of \d+|Working/i.test(e))).toBe(true);
    expect(final.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
    expect(JSON.stringify(final.body)).toMatch(/vary:/);
  });

  it('private results: after /settings private:true, /imagine is answered as ephemeral; by default it is not', async () => {
    const user = makeUser('910000000000000001', 'quiet');
    const plain = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a cat --steps 2' }, user }),
    );
    await finalEditOf(plain.token);
    expect((fake.interaction(plain.id)?.ack?.data as { flags?: number })?.flags ?? 0).toBe(0);
    const set = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { private: true }, user }),
    );
    await fake.waitForCall(fake.answerOf(set));
    const hidden = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a cat --steps 2' }, user }),
    );
    await finalEditOf(hidden.token);
    expect((fake.interaction(hidden.id)?.ack?.data as { flags?: number })?.flags).toBe(64);
  });

  it('/prefer saves a custom option that /imagine then expands; autocomplete offers it and the waiting jobs to /cancel', async () => {
    const user = makeUser('910000000000000002', 'chooser');
    const set = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'prefer',
        options: { option: 'wide', value: '--ar 16:9 at dusk' },
        user,
      }),
    );
    const saved = await fake.waitForCall(fake.answerOf(set));
    expect(JSON.stringify(saved.body)).toContain('Saved --wide: --ar 16:9 at dusk');
    expect((fake.interaction(set.id)?.ack?.data as { flags?: number })?.flags).toBe(64);
    const offer = async (name: string, focused: string, typed: string) => {
      const ix = fake.dispatchInteraction(
        fake.build.autocomplete({ name, focused, options: { [focused]: typed }, user }),
      );
      await fake.waitForCall(
        (c) => c.route === 'POST /interactions/:id/:token/callback' && c.params.id === ix.id,
      );
      const ack = fake.interaction(ix.id)?.ack;
      expect(ack?.type).toBe(8);
      const data = ack?.data as { choices: Array<{ name: string; value: string }> } | undefined;
      return data?.choices;
    };
    expect(await offer('prefer', 'option', 'wi')).toEqual([
      { name: '--wide: --ar 16:9 at dusk', value: 'wide' },
    ]);
    // /retouch's boxes: the regions by name, the list typed so far kept.
    expect(await offer('retouch', 'boxes', 'center;bottom-')).toEqual([
      { name: 'center;bottom-left', value: 'center;bottom-left' },
      { name: 'center;bottom-right', value: 'center;bottom-right' },
    ]);
    expect(await offer('prefer', 'option', 'zz')).toEqual([]);
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a lighthouse --wide --steps 60' },
        user,
      }),
    );
    await fake.waitForCall(fake.answerOf(ix));
    const jobId = (await offer('cancel', 'job', 'lighthouse'))?.[0]?.value as string;
    expect(services.jobs.queue.get(jobId)?.request).toMatchObject({
      prompt: 'a lighthouse at dusk',
      width: 688,
      height: 384,
    });
    const cancel = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'cancel', options: { job: jobId }, user }),
    );
    await fake.waitForCall(fake.answerOf(cancel));
    await expect.poll(() => services.jobs.queue.get(jobId)?.status).toBe('cancelled');
  });

  it('Remix opens a modal filled with the /imagine line; the changed line is the new job', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a green kite --steps 4 --seed 3' } }),
    );
    const final = await finalEditOf(ix.token);
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
    const remixId = /remix:[0-9a-f-]{36}/.exec(JSON.stringify(final.body))?.[0] as string;
    expect(remixId).toBeDefined();
    const body = await modalOf(remixId, message);
    expect(body.type).toBe(9);
    expect(body.data.custom_id).toBe(`remixmodal:${remixId.split(':')[1]}`);
    expect(JSON.stringify(body)).toContain('"value":"a green kite --size 512x512 --seed 3 --steps 4"');
    const line = 'a red kite --size 512x512 --seed 3 --steps 4';
    expect(await submitLine(body.data.custom_id, line, message)).toMatchObject({
      prompt: 'a red kite',
      seed: 3,
      steps: 4,
    });
  });

  it('Custom zoom opens a modal with the prompt and --zoom 2; the changed line zooms out around the result by its factor', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a red barn --steps 2 --size 256x256' },
      }),
    );
    const final = await finalEditOf(ix.token);
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
    const zoomId = /zoomcustom:[0-9a-f-]{36}/.exec(JSON.stringify(final.body))?.[0] as string;
    expect(zoomId).toBeDefined();
    const body = await modalOf(zoomId, message);
    expect([body.type, body.data.custom_id, body.data.title]).toEqual([
      9,
      `zoommodal:${zoomId.split(':')[1]}`,
      'Custom zoom',
    ]);
    expect(JSON.stringify(body)).toContain('"value":"a red barn --steps 2 --zoom 2"');
    expect(await submitLine(body.data.custom_id, 'a red barn in a field --zoom 1.5', message)).toMatchObject({
      task: 'paint',
      prompt: 'a red barn in a field',
      region: { kind: 'extend', left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 },
    });
  });

  it('Vary (Region) opens a modal with the prompt and --box center; the changed line retouches that part of the result', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a stone bridge --steps 2 --size 256x256' },
      }),
    );
    const final = await finalEditOf(ix.token);
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
    const regionId = /vary_region:[0-9a-f-]{36}/.exec(JSON.stringify(final.body))?.[0] as string;
    expect(regionId).toBeDefined();
    const body = await modalOf(regionId, message);
    expect([body.type, body.data.custom_id, body.data.title]).toEqual([
      9,
      `regionmodal:${regionId.split(':')[1]}`,
      'Vary (Region)',
    ]);
    expect(JSON.stringify(body)).toContain('"value":"a stone bridge --steps 2 --box center"');
    expect(await submitLine(body.data.custom_id, 'a swan on the water --box bottom', message)).toMatchObject({
      task: 'paint',
      prompt: 'a swan on the water',
      region: { kind: 'boxes', boxes: [{ x: 0, y: 0.5, w: 1, h: 0.5 }] },
    });
  });

  it('Re-roll makes a new job with the same prompt and a new seed; another user cannot cancel, the owner can', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a blue bird --steps 4' } }),
    );
    const final = await finalEditOf(ix.token);
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
    expect(message).toBeDefined();
    const rerollId = /reroll:[0-9a-f-]{36}/.exec(JSON.stringify(final.body))?.[0] as string;
    const jobId = rerollId.split(':')[1] as string;
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: rerollId, message: message as never }),
    );
    const rerolled = await finalEditOf(press.token);
    const newJob = /reroll:([0-9a-f-]{36})/.exec(JSON.stringify(rerolled.body))?.[1] as string;
    const before = services.jobs.queue.get(jobId)?.request as { prompt: string; seed?: number };
    const after = services.jobs.queue.get(newJob)?.request as { prompt: string; seed?: number };
    expect(newJob).not.toBe(jobId);
    expect(after.prompt).toBe(before.prompt);
    expect(after.seed).not.toBe(before.seed);

    // A long job to cancel.
    const long = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'slow one --steps 120' } }),
    );
    const queued = await fake.waitForCall(fake.answerOf(long));
    const cancelId = /cancel:[0-9a-f-]{36}/.exec(JSON.stringify(queued.body))?.[0] as string;
    const other = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: cancelId, message: message as never, user: fake.world.users.bob }),
    );
    const refused = await fake.waitForCall(fake.answerOf(other));
    expect(JSON.stringify(refused.body)).toMatch(/Only the person who asked|only/i);
    const owner = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: cancelId, message: message as never }),
    );
    await fake.waitForCall(fake.answerOf(owner));
    await expect
      .poll(() => services.jobs.queue.get(cancelId.split(':')[1] as string)?.status, { timeout: 20_000 })
      .toBe('cancelled');
  });

  it('the images option draws one grid with 1–N and V1–VN; a number answers with that image and its own buttons', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a grid of boats --steps 2 --size 256x256 --seed 40', images: 2 },
      }),
    );
    const final = await finalEditOf(ix.token);
    const body = JSON.stringify(final.body);
    expect(body).toContain('seeds 40–41');
    expect(body).toMatch(/"label":"1".*"label":"2".*"label":"V1".*"label":"V2"/);
    const pickId = /pick_2:[0-9a-f-]{36}/.exec(body)?.[0] as string;
    const message = fake.message(fake.interaction(ix.id)?.originalMessageId ?? '');
    const press = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: pickId, message: message as never, user: fake.world.users.bob }),
    );
    const answer = await fake.waitForCall(fake.answerOf(press));
    const answered = JSON.stringify(answer.body);
    expect(answered).toContain('Image 2 of the grid (seed 41)');
    expect(answered).toMatch(/reroll:[0-9a-f-]{36}/);
    expect(answered).not.toContain('pick_1:');
  });

  it('a prompt with options in braces: the reply is the first job, a follow-up each other one, and each gets its result', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a {green, yellow} kite --steps 2 --size 256x256' },
      }),
    );
    await finalEditOf(ix.token);
    const original = fake.interaction(ix.id)?.originalMessageId as string;
    expect(JSON.stringify(fake.message(original))).toContain(
      '1 of 2: “a green kite --steps 2 --size 256x256”',
    );
    const followUp = await fake.waitForCall(
      (c) => c.route === 'POST /webhooks/:app/:token' && c.params.token === ix.token,
    );
    expect(JSON.stringify(followUp.body)).toContain('2 of 2: “a yellow kite --steps 2 --size 256x256”');
    // The follow-up is edited by its own id, never through @original, and ends with its own image.
    const ending = await fake.waitForCall(
      (c) =>
        c.route === EDIT &&
        c.params.token === ix.token &&
        c.params.message !== '@original' &&
        JSON.stringify(c.body ?? '').includes('reroll:'),
      60_000,
    );
    const id = ending.params.message as string;
    expect(id).not.toBe(original);
    expect(ending.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
    const shown = JSON.stringify(fake.message(id));
    expect(shown).toContain('2 of 2: “a yellow kite --steps 2 --size 256x256”');
    expect(JSON.stringify(fake.message(original))).toContain(
      '1 of 2: “a green kite --steps 2 --size 256x256”',
    );
  });

  it('a follow-up Discord refuses keeps none of the others back; its job is kept as undelivered', async () => {
    const user = makeUser('910000000000000077', 'permuter');
    const ix = fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a {tin, clay, wax} cup --steps 2 --size 256x256' },
      user,
    });
    fake.failRoute((c) => c.route === 'POST /webhooks/:app/:token' && c.params.token === ix.token, {
      times: 1,
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    fake.dispatchInteraction(ix);
    const third = await fake.waitForCall(
      (c) =>
        c.route === EDIT &&
        c.params.token === ix.token &&
        c.params.message !== '@original' &&
        JSON.stringify(c.body ?? '').includes('3 of 3') &&
        JSON.stringify(c.body ?? '').includes('reroll:'),
      60_000,
    );
    expect(third.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
    // The refused one ran all the same; its ending reached nobody, so it waits for the user's next command.
    const owner = { platform: 'discord' as const, userId: user.id };
    await expect
      .poll(
        () =>
          services.jobs.store.deliveries
            .undeliveredOf(owner)
            .map((j) => (j.request as { prompt: string }).prompt),
        {
          timeout: 30_000,
        },
      )
      .toEqual(['a clay cup']);
    // The answer itself went out: the refused follow-up never turns it into an error without its buttons.
    const generic = t('en', 'errors.generic');
    const overwritten = fake.callsTo(
      (c) =>
        c.route === EDIT &&
        c.params.token === ix.token &&
        c.params.message === '@original' &&
        JSON.stringify(c.body ?? '').includes(generic),
    );
    expect(overwritten).toEqual([]);
  });

  it('takes commands in DMs by default (DISCORD_ALLOW_DMS unset)', async () => {
    const ix = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help', options: {}, dm: true }));
    const help = await fake.waitForCall(fake.answerOf(ix));
    expect(JSON.stringify(help.body)).toMatch(/imagine/);
    // Discord's own ways in: an @mention on a reply, and the message menus (a plain reply never reaches the bot).
    const content = (help.body as { data?: { content?: string } }).data?.content ?? '';
    expect(content).toContain(t('en', 'help.discord.images'));
    expect(content).not.toContain(t('en', 'help.images'));
    const put = await fake.waitForCall('PUT /applications/:app/commands');
    expect((put.body as Array<{ contexts?: number[] }>)[0]?.contexts).toEqual([0, 1]);
  });

  it('answers a corrupt and an oversized image with localized errors and still answers the next command', async () => {
    const corrupt = fake.registerAttachment({
      filename: 'broken.png',
      bytes: Buffer.from('definitely not a png'),
    });
    const a = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'describe', options: { image: corrupt } }),
    );
    const first = await fake.waitForCall(fake.answerOf(a));
    expect(JSON.stringify(first.body)).toMatch(/not supported|could not be read/);
    const huge = fake.registerAttachment({ filename: 'huge.png', bytes: Buffer.alloc(2 * 1024 * 1024, 1) });
    const b = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'describe', options: { image: huge } }),
    );
    const second = await fake.waitForCall(fake.answerOf(b));
    expect(JSON.stringify(second.body)).toMatch(/too large|limit/i);
    const c = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help', options: {} }));
    const help = await fake.waitForCall(fake.answerOf(c));
    expect(JSON.stringify(help.body)).toMatch(/imagine/);
  });

  it('the "Describe image" menu and a reply with a mention both reach the commands', async () => {
    const image = fake.registerAttachment({ filename: 'red.png', bytes: await png('#c33') });
    const target = fake.build.userMessage({ content: 'look', attachments: [image] });
    fake.dispatchMessage(target);
    const menu = fake.dispatchInteraction(fake.build.messageContextMenu({ name: 'Describe image', target }));
    const answer = await fake.waitForCall(fake.answerOf(menu));
    expect(JSON.stringify(answer.body)).toMatch(/Queued/);
    // The describe job ends in the same message with the model's answer (the random model's text), not a failure.
    const done = await fake.waitForCall(
      (c) =>
        c.route === EDIT &&
        c.params.token === menu.token &&
        !/Queued|Working|step \d+ of/.test(JSON.stringify(c.body)),
      60_000,
    );
    expect(JSON.stringify(done.body)).not.toMatch(/failed|Sorry/);
    // A DM comes whole without the Message Content intent (a server message by someone else would not).
    const dm = fake.dispatchMessage(
      fake.build.userMessage({
        content: 'look',
        attachments: [fake.registerAttachment({ filename: 'red.png', bytes: await png('#c33') })],
        dm: true,
      }),
    );
    fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} make it bluer --steps 4`,
        mentions: [fake.world.botUser],
        replyTo: dm,
        dm: true,
      }),
    );
    const reply = await fake.waitForCall(
      (c) => c.route === 'POST /channels/:channel/messages' && c.params.channel === dm.channel_id,
    );
    expect(JSON.stringify(reply.body)).toMatch(/Queued|queue/i);
    const jobId = /cancel:([0-9a-f-]{36})/.exec(JSON.stringify(reply.body))?.[1] as string;
    expect(services.jobs.queue.get(jobId)?.kind).toBe('edit');
  });
});

describe('Discord adapter after a restart', () => {
  it('finishes a job that was running when the process died, in its channel', async () => {
    const { JobStore } = await import('../../../src/jobs/index.js');
    const fake2 = await startFakeDiscord();
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-discord-restart-'));
    // The state a killed process leaves behind: a job marked running, with the channel it came from.
    const store = new JobStore(dataDir);
    store.insert({
      id: store.newId(),
      seq: store.nextSeq(),
      owner: { platform: 'discord', userId: fake2.world.users.alice.id },
      scope: `guild:${fake2.world.guild.id}`,
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'interrupted fox', width: 64, height: 64, steps: 3, seed: 5 },
      meta: { discordChannelId: fake2.world.channel.id, locale: 'en' },
      priority: 'normal',
      status: 'running',
      attempts: 1,
      estimatedCost: 1000,
      createdAt: Date.now(),
      startedAt: Date.now(),
    });
    store.close();
    const config = loadConfig({ DATA_DIR: dataDir, DEVICE: 'cpu', DISCORD_TOKEN: fake2.token });
    const log = createLogger({ level: 'silent', pretty: false });
    const restarted = await openServices(config, log);
    const bot = await startDiscord({ config, log }, restarted, buildCommands({ config, log }, restarted), {
      rest: fake2.clientOptions().rest,
      cdnHosts: fake2.cdnHosts,
    });
    restarted.start();
    try {
      const post = await fake2.waitForCall('POST /channels/:channel/messages', 60_000);
      expect(post.params.channel).toBe(fake2.world.channel.id);
      expect(post.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
    } finally {
      await bot.stop();
      await restarted.close();
      await fake2.stop();
    }
  }, 120_000);
});
