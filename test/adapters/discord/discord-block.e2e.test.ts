// /block on Discord, end to end over the fake API: the USER option names whom (a member holding an admin role is
// refused as an admin would be); the blocked user's every interaction gets the one private refusal, and their
// autocomplete offers nothing. Nothing of a blocked user's is downloaded: not a slash command's image, not the image
// a menu or a mention is used on.
import { ApplicationCommandOptionType } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { makeUser } from '../../doubles/fake-discord/builders.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { CALLBACK, CHANNEL_POST, useDiscordOnEngine } from './double-bot.js';

const world = useDiscordOnEngine('discord-block', (fake) => ({
  ADMIN_IDS: `discord:${fake.world.users.alice.id}`,
  DISCORD_ADMIN_ROLE_IDS: fake.world.roles.moderator.id,
}));
let fake: FakeDiscord;
beforeAll(() => ({ fake } = world));

/** The interaction's immediate answer (the callback), as JSON text. */
async function answered(ix: { id: string }): Promise<string> {
  const call = await fake.waitForCall((c) => c.route === CALLBACK && c.params.id === ix.id, 20_000);
  return JSON.stringify(call.body);
}

/** `/block user: bob` as Discord sends it: the id, with the user (and member, with roles) resolved. */
function blockBob(roles: string[]) {
  const { alice, bob } = fake.world.users;
  const ix = fake.build.slashCommand({
    name: 'block',
    options: { user: { type: ApplicationCommandOptionType.User, value: bob.id }, reason: 'spam' },
    user: alice,
  });
  const member = { roles, joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 };
  Object.assign(ix.data, { resolved: { users: { [bob.id]: bob }, members: { [bob.id]: member } } });
  return fake.dispatchInteraction(ix);
}

describe('Discord /block', () => {
  it('refuses a member with an admin role, blocks another, and then refuses them privately each time', async () => {
    const { bob } = fake.world.users;
    const moderator = fake.world.roles.moderator.id;
    expect(await answered(blockBob([moderator]))).toContain(
      JSON.stringify(t('en', 'errors.block.admin', { user: bob.id })).slice(1, -1),
    );
    const done = await answered(blockBob([]));
    expect(done).toContain(
      JSON.stringify(t('en', 'block.done', { user: bob.id, cancelled: 0 })).slice(1, -1),
    );
    expect(done).toMatch(/"flags":64/);
    expect(world.services.jobs.store.blocks.get(`discord:${bob.id}`)?.reason).toBe('spam');

    // An interaction must be answered: the repeat (silent for messages) is still shown, only to bob.
    const blocked = t('en', 'errors.blocked');
    for (let i = 0; i < 2; i++) {
      const ix = fake.dispatchInteraction(
        fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox' }, user: bob }),
      );
      const body = await answered(ix);
      expect(body).toContain(blocked);
      expect(body).toMatch(/"flags":64/);
    }
    expect(world.services.jobs.store.recentOf({ platform: 'discord', userId: bob.id })).toEqual([]);
    const suggest = fake.dispatchInteraction(
      fake.build.autocomplete({ name: 'retouch', focused: 'boxes', user: bob }),
    );
    await answered(suggest);
    const data = fake.interaction(suggest.id)?.ack?.data as { choices?: unknown[] } | undefined;
    expect(data?.choices).toEqual([]);
  });

  it("refuses a blocked user's images without downloading them", async () => {
    const user = makeUser('920000000000000001', 'blocked');
    world.services.jobs.store.blocks.block({ user: `discord:${user.id}`, by: 'discord:1', at: Date.now() });
    const image = () =>
      solidPng('#48c').then((bytes) => fake.registerAttachment({ filename: 'a.png', bytes }));
    const downloads = () => fake.calls.filter((c) => c.route === CDN).length;
    const before = downloads();
    const blocked = t('en', 'errors.blocked');

    const slash = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'describe', options: { image: await image() }, user }),
    );
    expect(await answered(slash)).toContain(blocked);
    // Said lately: an interaction still shows it.
    const target = fake.build.userMessage({ content: 'look', attachments: [await image()], author: user });
    fake.dispatchMessage(target);
    const menu = fake.dispatchInteraction(
      fake.build.messageContextMenu({ name: 'Describe image', target, user }),
    );
    expect(await answered(menu)).toContain(blocked);
    expect(downloads()).toBe(before);

    // A mention is a message: the first refusal of another blocked user is said, without a download either.
    const other = makeUser('920000000000000002', 'blocked2');
    world.services.jobs.store.blocks.block({ user: `discord:${other.id}`, by: 'discord:1', at: Date.now() });
    const asked = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} make it bluer`,
        mentions: [fake.world.botUser],
        attachments: [await image()],
        author: other,
      }),
    );
    const reply = await fake.waitForCall(
      (c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(asked.id),
      20_000,
    );
    expect(JSON.stringify(reply.body)).toContain(blocked);
    expect(downloads()).toBe(before);
  });
});

const CDN = 'GET /attachments/:channel/:attachment/:filename';
