import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  Locale,
  type Message,
  MessageFlags,
  ModalBuilder,
  Partials,
  PermissionFlagsBits,
  type TextChannel,
  TextInputBuilder,
  TextInputStyle,
  type ThreadChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  mention,
  startFakeDiscord,
} from './fake-discord/index.js';
import { captureUnhandledRejections } from './shared/unhandled.js';
import { waitUntil } from './shared/wait.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let fake: FakeDiscord | undefined;
let client: Client | undefined;

async function connect(options: FakeDiscordOptions = {}): Promise<{ fake: FakeDiscord; client: Client }> {
  fake = await startFakeDiscord(options);
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel],
    ...fake.clientOptions(),
  });
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  return { fake, client };
}

function onInteraction(bot: Client, handler: (interaction: Interaction) => Promise<void>): void {
  bot.on(Events.InteractionCreate, (interaction) => void handler(interaction));
}

function generalChannel(bot: Client, f: FakeDiscord): TextChannel {
  return bot.channels.cache.get(f.world.channel.id) as TextChannel;
}

afterEach(async () => {
  await client?.destroy();
  await fake?.stop();
  client = undefined;
  fake = undefined;
});

describe('fake Discord driving a real discord.js client', () => {
  it('logs in over the fake gateway and caches the guild and its channel', async () => {
    const { fake, client } = await connect();
    expect(client.user?.id).toBe(fake.world.botUser.id);
    expect(client.application?.id).toBe(fake.world.applicationId);
    expect(client.guilds.cache.get(fake.world.guild.id)?.name).toBe('Fake Guild');
    expect(generalChannel(client, fake)?.name).toBe('general');
    expect(fake.calls.map((call) => call.route)).toEqual(['GET /gateway/bot']);
    const identify = await fake.gatewayFrames.waitForCall((frame) => frame.op === 2);
    expect(identify.d).toMatchObject({ token: '[redacted]', intents: expect.any(Number) });
  });

  it('slash command: deferReply, then editReply with a PNG and buttons, arrive as type 5 and a multipart PATCH', async () => {
    const { fake, client } = await connect();
    const input = fake.registerAttachment({ filename: 'input.png', bytes: PNG, width: 1, height: 1 });
    const seen: Record<string, unknown> = {};
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const attachment = interaction.options.getAttachment('image', true);
      Object.assign(seen, {
        prompt: interaction.options.getString('prompt'),
        steps: interaction.options.getInteger('steps'),
        guidance: interaction.options.getNumber('guidance'),
        locale: interaction.locale,
        sizeLimit: interaction.attachmentSizeLimit,
        downloaded: Buffer.from(await (await fetch(attachment.url)).arrayBuffer()),
      });
      await interaction.deferReply();
      const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder().setCustomId('reroll:1').setLabel('Re-roll').setStyle(ButtonStyle.Primary),
        new ButtonBuilder().setCustomId('delete:1').setLabel('Delete').setStyle(ButtonStyle.Danger),
      );
      await interaction.editReply({
        content: 'done',
        files: [new AttachmentBuilder(PNG, { name: 'result.png' })],
        components: [buttons],
      });
    });

    const sent = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'imagine',
        options: { prompt: 'a cat', steps: 8, guidance: 4.5, image: input },
        locale: Locale.ChineseCN,
      }),
    );
    const patch = await fake.waitForCall('PATCH /webhooks/:app/:token/messages/:message');

    const callback = fake.callsTo('POST /interactions/:id/:token/callback')[0];
    expect(callback?.params).toEqual({ id: sent.id, token: sent.token });
    expect(callback?.body).toMatchObject({ type: 5 });
    const state = fake.interaction(sent.id);
    expect(state?.ack?.type).toBe(5);
    expect((state?.ack?.at ?? Infinity) - (state?.dispatchedAt ?? 0)).toBeLessThan(3000);

    expect(seen).toMatchObject({
      prompt: 'a cat',
      steps: 8,
      guidance: 4.5,
      locale: 'zh-CN',
      sizeLimit: 10485760,
    });
    expect(seen.downloaded).toEqual(PNG);
    expect(fake.callsTo('/attachments/:channel/:attachment/:filename')).toHaveLength(1);

    expect(patch.params).toMatchObject({
      app: fake.world.applicationId,
      token: sent.token,
      message: '@original',
    });
    expect(patch.multipart).toBe(true);
    expect(patch.files).toHaveLength(1);
    expect(patch.files[0]).toMatchObject({ field: 'files[0]', filename: 'result.png' });
    expect(patch.files[0]?.bytes).toEqual(PNG);
    expect(patch.body.content).toBe('done');
    expect(patch.body.components[0].components.map((c: { custom_id: string }) => c.custom_id)).toEqual([
      'reroll:1',
      'delete:1',
    ]);

    const original = fake.message(state?.originalMessageId ?? '');
    expect(original?.attachments).toHaveLength(1);
    expect(original && fake.attachmentBytes(original.attachments[0]!)).toEqual(PNG);
    expect((original?.flags ?? 0) & MessageFlags.Loading).toBe(0);
  });

  it('buttons: deferUpdate + followUp answer type 6 then a webhook post; update answers type 7 and edits', async () => {
    const { fake, client } = await connect();
    const posted = await generalChannel(client, fake).send({
      content: 'result',
      components: [
        new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('reroll').setLabel('Re-roll').setStyle(ButtonStyle.Primary),
          new ButtonBuilder().setCustomId('cancel').setLabel('Cancel').setStyle(ButtonStyle.Secondary),
        ),
      ],
    });
    onInteraction(client, async (interaction) => {
      if (!interaction.isButton()) return;
      if (interaction.customId === 'reroll') {
        await interaction.deferUpdate();
        await interaction.followUp({ content: `re-rolling for ${interaction.user.username}` });
      } else {
        await interaction.update({ content: 'cancelled', components: [] });
      }
    });

    const message = fake.message(posted.id)!;
    const reroll = fake.dispatchInteraction(fake.build.buttonPress({ customId: 'reroll', message }));
    const followUp = await fake.waitForCall('POST /webhooks/:app/:token');
    expect(fake.interaction(reroll.id)?.ack?.type).toBe(6);
    expect(followUp.query).toEqual({ wait: 'true' });
    expect(followUp.body.content).toBe('re-rolling for alice');

    const cancel = fake.dispatchInteraction(
      fake.build.buttonPress({ customId: 'cancel', message, user: fake.world.users.bob }),
    );
    await fake.waitForCalls('POST /interactions/:id/:token/callback', 2);
    expect(fake.interaction(cancel.id)?.ack).toMatchObject({ type: 7, data: { content: 'cancelled' } });
    expect(fake.message(posted.id)).toMatchObject({ content: 'cancelled', components: [] });
  });

  it('the first follow-up after deferReply edits the loading message (its ephemeral flag ignored); later ones are new', async () => {
    const { fake, client } = await connect();
    const sent: string[] = [];
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      for (const content of ['first', 'second'])
        sent.push((await interaction.followUp({ content, flags: MessageFlags.Ephemeral })).id);
    });
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a' } }),
    );
    await waitUntil(() => sent.length === 2, 'both follow-ups were answered');
    const original = fake.interaction(ix.id)?.originalMessageId as string;
    expect(sent[0]).toBe(original);
    expect(fake.message(original)).toMatchObject({ content: 'first', flags: 0 });
    expect(sent[1]).not.toBe(original);
    expect(fake.message(sent[1] as string)).toMatchObject({
      content: 'second',
      flags: MessageFlags.Ephemeral,
    });
  });

  it('message context menu sees resolved messages; a modal opens and its submission is read', async () => {
    const { fake, client } = await connect();
    const photo = fake.registerAttachment({ filename: 'dog.png', bytes: PNG });
    const target = fake.dispatchMessage(fake.build.userMessage({ content: 'look', attachments: [photo] }));
    onInteraction(client, async (interaction) => {
      if (interaction.isMessageContextMenuCommand()) {
        const names = interaction.targetMessage.attachments.map((a) => a.name).join(',');
        await interaction.reply({ content: `describing ${names}` });
      } else if (interaction.isButton()) {
        const input = new TextInputBuilder()
          .setCustomId('instruction')
          .setLabel('Instruction')
          .setStyle(TextInputStyle.Short);
        await interaction.showModal(
          new ModalBuilder()
            .setCustomId('edit-modal')
            .setTitle('Edit')
            .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
        );
      } else if (interaction.isModalSubmit()) {
        const instruction = interaction.fields.getTextInputValue('instruction');
        await interaction.reply({ content: `editing: ${instruction}`, flags: MessageFlags.Ephemeral });
      }
    });

    const menu = fake.dispatchInteraction(fake.build.messageContextMenu({ name: 'Describe image', target }));
    await fake.waitForCall((call) => call.params.id === menu.id);
    expect(fake.interaction(menu.id)?.ack).toMatchObject({
      type: 4,
      data: { content: 'describing dog.png' },
    });

    const button = fake.dispatchInteraction(fake.build.buttonPress({ customId: 'edit', message: target }));
    await fake.waitForCall((call) => call.params.id === button.id);
    expect(fake.interaction(button.id)?.ack).toMatchObject({ type: 9, data: { custom_id: 'edit-modal' } });

    const submit = fake.dispatchInteraction(
      fake.build.modalSubmit({
        customId: 'edit-modal',
        fields: { instruction: 'make it blue' },
        message: target,
      }),
    );
    await fake.waitForCall((call) => call.params.id === submit.id);
    expect(fake.interaction(submit.id)?.ack).toMatchObject({
      type: 4,
      data: { content: 'editing: make it blue', flags: MessageFlags.Ephemeral },
    });
  });

  it('autocomplete: discord.js reads the focused option and its respond() is type 8; too many choices are refused', async () => {
    const { fake, client } = await connect();
    const refused: unknown[] = [];
    onInteraction(client, async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const focused = interaction.options.getFocused(true);
      const many = Array.from({ length: 26 }, (_, i) => ({ name: `n${i}`, value: `v${i}` }));
      if (focused.value === 'many') await interaction.respond(many).catch((e: unknown) => refused.push(e));
      else await interaction.respond([{ name: `${focused.name}=${focused.value}`, value: 'x' }]);
    });
    const ix = fake.dispatchInteraction(
      fake.build.autocomplete({ name: 'cancel', focused: 'job', options: { job: 'fo' } }),
    );
    await fake.waitForCall((call) => call.params.id === ix.id);
    expect(fake.interaction(ix.id)?.ack).toMatchObject({
      type: 8,
      data: { choices: [{ name: 'job=fo', value: 'x' }] },
    });
    const many = fake.dispatchInteraction(
      fake.build.autocomplete({ name: 'cancel', focused: 'job', options: { job: 'many' } }),
    );
    await fake.waitForCall((call) => call.params.id === many.id);
    await waitUntil(() => refused.length === 1, 'the refusal of 26 choices');
    expect(fake.interaction(many.id)?.ack).toBeUndefined();
  });

  it('a reply that mentions the bot carries the reference and the replied-to message; the bot replies', async () => {
    const { fake, client } = await connect();
    const result = await generalChannel(client, fake).send({
      files: [new AttachmentBuilder(PNG, { name: 'result.png' })],
    });
    const seen: Array<{ content: string; refId: string | undefined; refImages: number; mentioned: boolean }> =
      [];
    client.on(Events.MessageCreate, (message: Message) => {
      if (message.author.bot || !client?.user) return;
      void (async () => {
        const ref = await message.fetchReference();
        seen.push({
          content: message.content,
          refId: message.reference?.messageId,
          refImages: ref.attachments.size,
          mentioned: message.mentions.has(client.user!),
        });
        await message.reply(`editing ${ref.id}`);
      })();
    });
    const bot = fake.world.botUser;
    const reply = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(bot)} make it blue`,
        mentions: [bot],
        replyTo: fake.message(result.id),
      }),
    );
    const answer = await fake.waitForCall(
      (call) =>
        call.route === 'POST /channels/:channel/messages' && call.seq > 1 && call.body?.message_reference,
    );
    expect(seen).toEqual([
      { content: `<@${bot.id}> make it blue`, refId: result.id, refImages: 1, mentioned: true },
    ]);
    expect(answer.body).toMatchObject({
      content: `editing ${result.id}`,
      message_reference: { message_id: reply.id },
    });
  });

  it('a 429 with retry_after is waited out by discord.js, a 500 is retried, and both calls then succeed', async () => {
    const { fake, client } = await connect();
    const channel = generalChannel(client, fake);
    fake.rateLimit('POST /channels/:channel/messages', { times: 1, retryAfterSeconds: 0.3 });
    const sent = await channel.send('hello');
    const posts = fake.callsTo('POST /channels/:channel/messages');
    expect(posts.map((call) => call.status)).toEqual([429, 200]);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(280);

    fake.failRoute('PATCH /channels/:channel/messages/:message', { status: 500 });
    await sent.edit('hello again');
    expect(fake.callsTo('PATCH /channels/:channel/messages/:message').map((call) => call.status)).toEqual([
      500, 200,
    ]);
    expect(fake.message(sent.id)?.content).toBe('hello again');
  });

  it('REST errors reach the caller: expired tokens, unknown routes (404 JSON, recorded), DMs work', async () => {
    const { fake, client } = await connect();
    let editError: unknown;
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      fake?.expireInteraction(interaction.id);
      editError = await interaction.editReply('too late').catch((error: unknown) => error);
    });
    fake.dispatchInteraction(fake.build.slashCommand({ name: 'imagine', options: { prompt: 'slow' } }));
    await fake.waitForCall((call) => call.route.startsWith('PATCH /webhooks') && call.status === 401);
    await sleep(10);
    expect(editError).toBeInstanceOf(DiscordAPIError);
    expect((editError as DiscordAPIError).code).toBe(50027);

    await expect(client.rest.get('/no/such/route')).rejects.toMatchObject({ status: 404 });
    expect(fake.callsTo('GET /no/such/route')).toHaveLength(1);

    await client.users.send(fake.world.users.bob.id, 'your job is done');
    const dm = await fake.waitForCall('POST /channels/:channel/messages');
    expect(fake.callsTo('POST /users/@me/channels')[0]?.body).toEqual({
      recipient_id: fake.world.users.bob.id,
    });
    expect(dm.params.channel).toBe(`${fake.world.users.bob.id}0`);
  });

  it("enforces Discord's ack deadline, token lifetime, upload and content limits", async () => {
    const { fake, client } = await connect({
      limits: { ackDeadlineMs: 100, tokenLifetimeMs: 300, uploadLimitBytes: 1000 },
    });
    const outcomes: Record<string, unknown> = {};
    onInteraction(client, async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const name = interaction.commandName;
      const settle = (promise: Promise<unknown>) =>
        promise.then(
          () => 'ok',
          (error: DiscordAPIError) => error.code,
        );
      if (name === 'slow') {
        await sleep(150);
        outcomes.slow = await settle(interaction.deferReply());
        return;
      }
      outcomes.guild = [interaction.guildId, interaction.inCachedGuild()];
      await interaction.deferReply();
      outcomes.big = await settle(
        interaction.editReply({ files: [new AttachmentBuilder(Buffer.alloc(2000), { name: 'x.png' })] }),
      );
      outcomes.long = await settle(interaction.editReply({ content: 'x'.repeat(2001) }));
      await sleep(350);
      outcomes.late = await settle(interaction.editReply('still there?'));
      outcomes.fallback = await settle(
        (interaction.channel as TextChannel).send('your result, as a channel message'),
      );
    });
    const slow = fake.dispatchInteraction(fake.build.slashCommand({ name: 'slow' }));
    fake.dispatchInteraction(fake.build.slashCommand({ name: 'imagine', guildId: '42' }));
    await waitUntil(() => Object.keys(outcomes).length === 6, 'every outcome is known');
    expect(outcomes).toEqual({
      slow: 10062,
      guild: ['42', false],
      big: 40005,
      long: 50035,
      late: 50027,
      fallback: 'ok',
    });
    expect(fake.interaction(slow.id)?.missedDeadline).toBe(true);
  });

  it('registers commands by bulk overwrite, globally and per guild', async () => {
    const { fake, client } = await connect();
    const commands = [
      { name: 'imagine', description: 'Draw', name_localizations: { 'zh-CN': '画图' } },
      { name: 'Describe image', type: 3 },
    ];
    const global = await client.application!.commands.set(commands);
    expect(global.map((command) => command.name).sort()).toEqual(['Describe image', 'imagine']);
    await client.application!.commands.set(commands, fake.world.guild.id);
    const [globalPut, guildPut] = fake.callsTo((call) => call.method === 'PUT');
    expect(globalPut?.route).toBe('PUT /applications/:app/commands');
    expect(globalPut?.body[0]).toMatchObject({ name: 'imagine', name_localizations: { 'zh-CN': '画图' } });
    expect(guildPut?.params).toEqual({ app: fake.world.applicationId, guild: fake.world.guild.id });
    expect(fake.store.guildCommands.get(fake.world.guild.id)).toHaveLength(2);
  });

  it('malformed dispatches surface as unhandled rejections inside discord.js; the client keeps serving', async () => {
    const { fake, client } = await connect();
    onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.deferReply();
    });
    const { captured } = await captureUnhandledRejections(async () => {
      fake.dispatch('MESSAGE_CREATE', {
        id: '1',
        channel_id: fake.world.channel.id,
        author: null,
        content: null,
      });
      fake.dispatch('INTERACTION_CREATE', { id: '2', type: 2, token: 't', data: null });
      fake.dispatch('GUILD_CREATE', null);
      fake.gateway.sendRaw('{not json');
      await sleep(100);
      const ok = fake.dispatchInteraction(fake.build.slashCommand({ name: 'queue' }));
      await fake.waitForCall((call) => call.params.id === ok.id);
    });
    expect(captured.length).toBeGreaterThanOrEqual(3);
    expect(captured.every((reason) => reason instanceof TypeError)).toBe(true);
    expect(fake.gatewayFrames.calls.filter((frame) => frame.op === 2)).toHaveLength(1);
  });

  it('reconnects: op 7 and a dropped socket are resumed, and later dispatches still arrive', async () => {
    const { fake, client } = await connect();
    const received: string[] = [];
    onInteraction(client, async (interaction) => {
      if (interaction.isChatInputCommand()) received.push(interaction.commandName);
    });
    fake.gateway.requestReconnect();
    await fake.gatewayFrames.waitForCalls((frame) => frame.op === 6, 1);
    fake.dispatchInteraction(fake.build.slashCommand({ name: 'after-reconnect' }));
    fake.gateway.dropConnections(4000);
    await fake.gatewayFrames.waitForCalls((frame) => frame.op === 6, 2);
    fake.dispatchInteraction(fake.build.slashCommand({ name: 'after-drop' }));
    await waitUntil(() => received.length === 2, 'both interactions arrived');
    expect(received).toEqual(['after-reconnect', 'after-drop']);
    expect(fake.gatewayFrames.calls.filter((frame) => frame.op === 2)).toHaveLength(1);
  });

  it('acknowledges heartbeats', async () => {
    const { fake, client } = await connect({ heartbeatIntervalMs: 50 });
    await fake.gatewayFrames.waitForCalls((frame) => frame.op === 1, 2);
    await waitUntil(() => client.ws.ping >= 0, 'a heartbeat ack was measured');
    expect(client.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('a wait that times out names what it waited for and lists the calls seen', async () => {
    const { fake } = await connect();
    await expect(fake.waitForCall('DELETE /channels/:channel/messages/:message', 50)).rejects.toThrow(
      /timed out after 50 ms[\s\S]*GET \/gateway\/bot → 200/,
    );
  });
});

describe('fake Discord: channels, threads, deletions and route limits', () => {
  const refusal = (error: unknown) =>
    error instanceof DiscordAPIError ? [error.status, error.code] : ['not a Discord error', String(error)];

  it('GET /channels/:id serves text channels, threads and DMs; 10003 for none, 50001 without View Channel', async () => {
    const { fake, client } = await connect();
    const thread = fake.addThread({ name: 'cats' });
    const hidden = fake.addChannel(PermissionFlagsBits.ViewChannel, 'hidden');
    const fetched = await client.channels.fetch(thread.id, { force: true });
    expect(fetched?.type).toBe(ChannelType.PublicThread);
    expect((fetched as ThreadChannel).parentId).toBe(fake.world.channel.id);
    expect((await client.channels.fetch(fake.world.channel.id, { force: true }))?.type).toBe(
      ChannelType.GuildText,
    );
    const dm = await client.channels.fetch(`${fake.world.users.bob.id}0`, { force: true });
    expect(dm?.type).toBe(ChannelType.DM);
    expect(await client.channels.fetch('123', { force: true }).catch(refusal)).toEqual([404, 10003]);
    expect(await client.channels.fetch(hidden.id, { force: true }).catch(refusal)).toEqual([403, 50001]);
  });

  it('an archived thread takes no edit and is unarchived by a post, unless locked (50083)', async () => {
    const { fake, client } = await connect();
    const thread = fake.addThread();
    const channel = (await client.channels.fetch(thread.id)) as ThreadChannel;
    const sent = await channel.send('first');
    fake.archiveThread(thread.id);
    await waitUntil(() => channel.archived === true, 'the thread archived');
    expect(await sent.edit('changed').catch(refusal)).toEqual([400, 50083]);
    await channel.send('second');
    expect(fake.channel(thread.id)?.archived).toBe(false);
    await waitUntil(() => channel.archived === false, 'the thread unarchived');
    fake.archiveThread(thread.id, { locked: true });
    expect(await channel.send('third').catch(refusal)).toEqual([400, 50083]);
  });

  it('a deleted channel answers 10003 and leaves the cache; a removal answers 50001 and closes DMs', async () => {
    const { fake, client } = await connect();
    const doomed = fake.addChannel(0n, 'doomed');
    const thread = fake.addThread({ parentId: doomed.id });
    await waitUntil(() => client.channels.cache.has(thread.id), 'the thread cached');
    const channel = client.channels.cache.get(doomed.id) as TextChannel;
    fake.deleteChannel(doomed.id);
    await waitUntil(
      () => !client.channels.cache.has(doomed.id) && !client.channels.cache.has(thread.id),
      'the channel and its thread gone',
    );
    expect(await channel.send('hello').catch(refusal)).toEqual([404, 10003]);
    const general = generalChannel(client, fake);
    const bob = await client.users.fetch(fake.world.users.bob.id);
    await bob.send('before');
    fake.removeFromGuild(fake.world.guild.id);
    await waitUntil(() => !client.guilds.cache.has(fake.world.guild.id), 'the guild gone');
    expect(await general.send('hello').catch(refusal)).toEqual([403, 50001]);
    expect(await bob.send('after').catch(refusal)).toEqual([403, 50007]);
    expect(() => fake.dispatchMessage(fake.build.userMessage({ content: 'hi' }))).toThrow(/removed/);
  });

  it('a second guild: joined, listed at the next login, kept DMs open after a removal; an outage is no removal', async () => {
    const { fake, client } = await connect();
    const other = fake.addGuild('Second Guild');
    await waitUntil(() => client.channels.cache.has(other.channel.id), 'the second guild cached');
    expect(client.guilds.cache.get(other.id)?.name).toBe('Second Guild');
    const second = client.channels.cache.get(other.channel.id) as TextChannel;
    const posted = await second.send('hello there');
    expect(posted.guildId).toBe(other.id);
    const listed = await second.messages.fetch({ limit: 10 });
    expect([...listed.keys()]).toEqual([posted.id]);
    fake.guildOutage(fake.world.guild.id);
    await waitUntil(() => client.guilds.cache.get(fake.world.guild.id)?.available === false, 'unavailable');
    expect((await generalChannel(client, fake).send('still here')).content).toBe('still here');
    fake.guildRecovered(fake.world.guild.id);
    await waitUntil(() => client.guilds.cache.get(fake.world.guild.id)?.available === true, 'available');
    fake.removeFromGuild(fake.world.guild.id);
    await waitUntil(() => !client.guilds.cache.has(fake.world.guild.id), 'the world guild gone');
    const bob = await client.users.fetch(fake.world.users.bob.id);
    expect((await bob.send('still shared')).content).toBe('still shared');
    await client.destroy();
    const again = new Client({ intents: [GatewayIntentBits.Guilds], ...fake.clientOptions() });
    try {
      const ready = once(again, Events.ClientReady);
      await again.login(fake.token);
      await ready;
      expect([...again.guilds.cache.keys()]).toEqual([other.id]);
    } finally {
      await again.destroy();
    }
  });

  it('message posts carry X-RateLimit-* headers; discord.js waits out a spent bucket instead of meeting a 429', async () => {
    const { fake, client } = await connect({ routeLimits: { limit: 2, windowMs: 600 } });
    const seen: Array<Record<string, string>> = [];
    client.rest.on('response', (_request, response) => {
      seen.push(Object.fromEntries(response.headers as unknown as Iterable<[string, string]>));
    });
    const channel = generalChannel(client, fake);
    const started = Date.now();
    for (const text of ['a', 'b', 'c']) await channel.send(text);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const posts = fake.callsTo('POST /channels/:channel/messages');
    expect(posts.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(seen.map((h) => h['x-ratelimit-remaining'])).toEqual(['1', '0', '1']);
    expect(seen[0]).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-bucket': expect.any(String) });
  });
});
