// Option names as each Discord client shows them: registered under every locale's codes, and a refusal naming an
// option says it as the asker's client showed it (the interaction's `locale` decides, whatever language the reply
// is in), while the interaction itself carries the English base name.
import { type APIApplicationCommand, Locale } from 'discord.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-option-names', {});
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

const image = async () => fake.registerAttachment({ filename: 'fox.png', bytes: await solidPng('#c63') });

/** What the registered /imagine's `aspect` is called on a client in `locale` (its base name where none is). */
function registeredAspect(locale: Locale): string {
  const imagine = fake.store.globalCommands.find((c: APIApplicationCommand) => c.name === 'imagine');
  const aspect = imagine?.options?.find((o) => o.name === 'aspect');
  if (!aspect) throw new Error('no /imagine aspect registered');
  return aspect.name_localizations?.[locale] ?? aspect.name;
}

/** The answer to `ix` that carries `text` (as it stands in the JSON Discord receives). */
const answerWith = (ix: { id: string; token: string }, text: string) =>
  fake.waitForCall(
    (c) => fake.answerOf(ix)(c) && JSON.stringify(c.body).includes(JSON.stringify(text).slice(1, -1)),
  );

/** A user of their own (a stored language or a rate of their own stays theirs). */
const userNo = (n: number) => ({
  ...fake.world.users.bob,
  id: `9500000000000000${10 + n}`,
  username: `user-${n}`,
});

/** /imagine drawing from an image with an aspect ratio, which that mode refuses, naming the option. */
async function imagineWithAspect(locale: Locale, user: ReturnType<typeof userNo>) {
  return fake.dispatchInteraction(
    fake.build.slashCommand({
      name: 'imagine',
      options: { prompt: 'a red fox', aspect: '16:9', image: await image() },
      user,
      locale,
    }),
  );
}

describe('Discord: option names in the asker’s language', { timeout: 30_000 }, () => {
  it('every locale’s client is shown the registered names, and they are its own words', () => {
    expect(registeredAspect(Locale.German)).toBe('seitenverhältnis');
    expect(registeredAspect(Locale.Japanese)).toBe('縦横比');
    expect(registeredAspect(Locale.SpanishLATAM)).toBe('proporción');
    expect(registeredAspect(Locale.EnglishUS)).toBe('aspect');
    // Discord has no Italian catalog of ours: the base name.
    expect(registeredAspect(Locale.Italian)).toBe('aspect');
  });

  const clients = [
    [Locale.German, 'de', 'seitenverhältnis'],
    [Locale.Japanese, 'ja', '縦横比'],
    [Locale.SpanishLATAM, 'es', 'proporción'],
    [Locale.EnglishGB, 'en', 'aspect'],
    [Locale.Italian, 'en', 'aspect'],
  ] as const;
  clients.forEach(([locale, language, shown], index) => {
    it(`a refusal to a ${locale} client names the option as that client shows it (${shown})`, async () => {
      const ix = await imagineWithAspect(locale, userNo(index));
      expect(shown).toBe(registeredAspect(locale));
      await answerWith(ix, t(language, 'errors.imagine.image_flag', { flag: shown }));
    });
  });

  it('the client’s locale names the option even where the reply is in the language the user chose', async () => {
    const user = userNo(8);
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { language: 'en' }, user, locale: Locale.German }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const ix = await imagineWithAspect(Locale.German, user);
    await answerWith(ix, t('en', 'errors.imagine.image_flag', { flag: 'seitenverhältnis' }));
  });

  it('a handler’s own refusal names both options as the client shows them (/outpaint zoom and direction)', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({
        name: 'outpaint',
        options: { image: await image(), prompt: 'a meadow', zoom: 2, direction: 'left' },
        user: userNo(9),
        locale: Locale.Russian,
      }),
    );
    await answerWith(ix, t('ru', 'errors.flag.conflict', { a: 'масштаб', b: 'направление' }));
  });
});
