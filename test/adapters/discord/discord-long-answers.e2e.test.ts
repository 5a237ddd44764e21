// An answer longer than one Discord message (2000 characters) goes on in further messages, split between its
// lines, instead of losing its end: an admin's /help in German or French is over 2000 characters, and a long
// /queue lists undelivered answers it then counts as told.
import { Locale } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, descriptionKey, listedCommands } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
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
