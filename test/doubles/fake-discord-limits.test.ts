// The fake refuses what Discord refuses (developers/* of discord-api-docs), each rule by its named check, and a
// real discord.js client sees the refusal as a DiscordAPIError with Discord's status and code.
import { once } from 'node:events';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  type DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  Partials,
  Routes,
  type TextChannel,
} from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { commandCharacters, invalidCommand, invalidCommands } from './fake-discord/command-rules.js';
import {
  duplicatedCustomId,
  invalidActionRow,
  invalidButton,
  invalidSelect,
} from './fake-discord/component-rules.js';
import { invalidEmbeds } from './fake-discord/embed-rules.js';
import { type FakeDiscord, startFakeDiscord } from './fake-discord/index.js';
import {
  DEFAULT_LIMITS,
  emptiedByEdit,
  emptyMessage,
  invalidAllowedMentions,
  invalidAttachmentDescriptions,
  invalidCallbackType,
  invalidDeferFlags,
  invalidFiles,
  invalidFlags,
  invalidMessageBody,
  invalidModal,
} from './fake-discord/validation.js';

/** The status and code of a refusal, or undefined for none. */
const refusal = (reply: { status: number; body?: unknown } | undefined) =>
  reply && { status: reply.status, code: (reply.body as { code?: number }).code };
const FORM = { status: 400, code: 50035 };
/** The field path of a 50035 refusal, as discord.js prints it ("components.0.custom_id"). */
function fieldOf(reply: { body?: unknown } | undefined): string {
  const walk = (node: unknown, path: string[]): string => {
    if (!node || typeof node !== 'object') return path.join('.');
    if ('_errors' in node) return path.join('.');
    const [key, inner] = Object.entries(node)[0] ?? [];
    return key === undefined ? path.join('.') : walk(inner, [...path, key]);
  };
  return walk((reply?.body as { errors?: unknown })?.errors, []);
}

const button = (fields: object = {}) => ({ type: 2, style: 1, custom_id: 'b', label: 'Go', ...fields });
const row = (...components: object[]) => ({ type: 1, components });
const select = (fields: object = {}) => ({
  type: 3,
  custom_id: 's',
  options: [{ label: 'One', value: '1' }],
  ...fields,
});

describe('fake Discord: message rules', () => {
  it('files: at most 10, each within the upload limit (the interaction’s own where smaller), 25 MiB in all', () => {
    const file = (size: number) =>
      ({ field: 'files[0]', filename: 'x.png', bytes: Buffer.alloc(size) }) as never;
    expect(refusal(invalidFiles(Array(11).fill(file(1)), 1000))).toEqual(FORM);
    expect(invalidFiles(Array(10).fill(file(1)), 1000)).toBeUndefined();
    expect(refusal(invalidFiles([file(1001)], 1000))).toEqual({ status: 413, code: 40005 });
    expect(refusal(invalidMessageBody({}, [file(200)], DEFAULT_LIMITS, 'interaction', 100))).toEqual({
      status: 413,
      code: 40005,
    });
  });

  it('content at most 2000; a post’s nonce at most 25; attachment descriptions at most 1024', () => {
    expect(invalidMessageBody({ content: 'x'.repeat(2000) }, [], DEFAULT_LIMITS)).toBeUndefined();
    expect(fieldOf(invalidMessageBody({ content: 'x'.repeat(2001) }, [], DEFAULT_LIMITS))).toBe('content');
    expect(
      fieldOf(invalidMessageBody({ content: 'x', nonce: 'n'.repeat(26) }, [], DEFAULT_LIMITS, 'post')),
    ).toBe('nonce');
    expect(
      invalidMessageBody({ content: 'x', nonce: 'n'.repeat(25) }, [], DEFAULT_LIMITS, 'post'),
    ).toBeUndefined();
    expect(fieldOf(invalidAttachmentDescriptions([{ id: 0, description: 'd'.repeat(1025) }]))).toBe(
      'attachments.0.description',
    );
    expect(invalidAttachmentDescriptions([{ id: 0, description: 'd'.repeat(1024) }])).toBeUndefined();
  });

  it('a new message shows something (50006); an edit may not empty it either', () => {
    expect(refusal(emptyMessage({ content: '' }, []))).toEqual({ status: 400, code: 50006 });
    expect(refusal(emptyMessage({ content: '  \n' }, []))).toEqual({ status: 400, code: 50006 });
    expect(refusal(emptyMessage({ flags: MessageFlags.Ephemeral }, []))).toEqual({
      status: 400,
      code: 50006,
    });
    expect(emptyMessage({ components: [row(button())] }, [])).toBeUndefined();
    const png = { field: 'files[0]', filename: 'a.png', contentType: 'image/png', bytes: Buffer.alloc(1) };
    expect(emptyMessage({}, [png])).toBeUndefined();
    const message = { content: 'hi', embeds: [], components: [], attachments: [] } as never;
    expect(refusal(emptiedByEdit(message, { content: '' }, []))).toEqual({ status: 400, code: 50006 });
    expect(emptiedByEdit(message, { components: [] }, [])).toBeUndefined();
  });

  it('flags: a channel post is never ephemeral; a deferral may be ephemeral only', () => {
    expect(refusal(invalidFlags(MessageFlags.Ephemeral, 'post'))).toEqual(FORM);
    expect(invalidFlags(MessageFlags.Ephemeral, 'interaction')).toBeUndefined();
    expect(invalidFlags(MessageFlags.SuppressNotifications, 'post')).toBeUndefined();
    expect(refusal(invalidFlags(MessageFlags.Crossposted, 'interaction'))).toEqual(FORM);
    expect(invalidDeferFlags({ flags: MessageFlags.Ephemeral })).toBeUndefined();
    expect(refusal(invalidDeferFlags({ flags: MessageFlags.SuppressEmbeds }))).toEqual(FORM);
  });

  it('allowed_mentions: parse and an id list of the same kind exclude each other; at most 100 ids', () => {
    expect(refusal(invalidAllowedMentions({ parse: ['users'], users: ['1'] }))).toEqual(FORM);
    expect(invalidAllowedMentions({ parse: [], users: ['1'] })).toBeUndefined();
    expect(invalidAllowedMentions({ parse: ['roles'], users: ['1'] })).toBeUndefined();
    expect(refusal(invalidAllowedMentions({ users: Array(101).fill('1') }))).toEqual(FORM);
  });

  it('embeds: field limits, 25 fields, 10 embeds, 6000 characters in all', () => {
    expect(invalidEmbeds([{ title: 't'.repeat(256), description: 'd'.repeat(4096) }])).toBeUndefined();
    expect(fieldOf(invalidEmbeds([{ title: 't'.repeat(257) }]))).toBe('embeds.0.title');
    expect(fieldOf(invalidEmbeds([{ description: 'd'.repeat(4097) }]))).toBe('embeds.0.description');
    expect(fieldOf(invalidEmbeds([{ fields: Array(26).fill({ name: 'n', value: 'v' }) }]))).toBe(
      'embeds.0.fields',
    );
    expect(fieldOf(invalidEmbeds([{ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }]))).toBe(
      'embeds.0.fields.0.value',
    );
    expect(fieldOf(invalidEmbeds(Array(11).fill({ title: 't' })))).toBe('embeds');
    const big = { description: 'd'.repeat(4000) };
    expect(fieldOf(invalidEmbeds([big, big]))).toBe('embeds');
  });
});

describe('fake Discord: component rules', () => {
  it('a row holds 1–5 buttons, or one select alone', () => {
    expect(invalidActionRow(row(button()), 'components.0')).toBeUndefined();
    expect(fieldOf(invalidActionRow(row(), 'components.0'))).toBe('components.0.components');
    const six = Array.from({ length: 6 }, (_, i) => button({ custom_id: `b${i}` }));
    expect(fieldOf(invalidActionRow(row(...six), 'components.0'))).toBe('components.0.components');
    expect(fieldOf(invalidActionRow(row(select(), button()), 'components.0'))).toBe(
      'components.0.components',
    );
    expect(invalidActionRow(row(select()), 'components.0')).toBeUndefined();
    const rows = Array.from({ length: 6 }, (_, i) => row(button({ custom_id: `r${i}` })));
    expect(fieldOf(invalidMessageBody({ components: rows }, [], DEFAULT_LIMITS))).toBe('components');
  });

  it('buttons: custom_id 1–100 (none on a link, which needs a url), label at most 80, a label or an emoji', () => {
    expect(invalidButton(button(), 'b')).toBeUndefined();
    expect(fieldOf(invalidButton(button({ custom_id: '' }), 'b'))).toBe('b.custom_id');
    expect(fieldOf(invalidButton(button({ custom_id: 'c'.repeat(101) }), 'b'))).toBe('b.custom_id');
    expect(fieldOf(invalidButton(button({ custom_id: undefined }), 'b'))).toBe('b.custom_id');
    expect(fieldOf(invalidButton(button({ label: 'l'.repeat(81) }), 'b'))).toBe('b.label');
    expect(fieldOf(invalidButton(button({ label: '' }), 'b'))).toBe('b.label');
    expect(invalidButton(button({ label: undefined, emoji: { name: '🎲' } }), 'b')).toBeUndefined();
    const link = { type: 2, style: ButtonStyle.Link, label: 'Docs', url: 'https://example.org' };
    expect(invalidButton(link, 'b')).toBeUndefined();
    expect(fieldOf(invalidButton({ ...link, custom_id: 'x' }, 'b'))).toBe('b.custom_id');
    expect(fieldOf(invalidButton({ ...link, url: undefined }, 'b'))).toBe('b.url');
  });

  it('custom_ids are unique across a message', () => {
    expect(
      fieldOf(duplicatedCustomId([row(button({ custom_id: 'a' })), row(button({ custom_id: 'a' }))])),
    ).toBe('components.1.components.0.custom_id');
    expect(duplicatedCustomId([row(button({ custom_id: 'a' }), button({ custom_id: 'b' }))])).toBeUndefined();
  });

  it('string selects: 1–25 options of label, value and description up to 100, placeholder 150, values within', () => {
    expect(invalidSelect(select(), 's')).toBeUndefined();
    expect(fieldOf(invalidSelect(select({ options: [] }), 's'))).toBe('s.options');
    const options = Array.from({ length: 26 }, (_, i) => ({ label: `${i}`, value: `${i}` }));
    expect(fieldOf(invalidSelect(select({ options }), 's'))).toBe('s.options');
    expect(fieldOf(invalidSelect(select({ options: [{ label: 'l'.repeat(101), value: '1' }] }), 's'))).toBe(
      's.options.0.label',
    );
    expect(
      fieldOf(
        invalidSelect(select({ options: [{ label: 'l', value: '1', description: 'd'.repeat(101) }] }), 's'),
      ),
    ).toBe('s.options.0.description');
    expect(fieldOf(invalidSelect(select({ placeholder: 'p'.repeat(151) }), 's'))).toBe('s.placeholder');
    expect(fieldOf(invalidSelect(select({ max_values: 2 }), 's'))).toBe('s.max_values');
    expect(fieldOf(invalidSelect(select({ custom_id: 'c'.repeat(101) }), 's'))).toBe('s.custom_id');
  });

  it('modals: custom_id 1–100, title 1–45, 1–5 components; inputs’ labels, lengths, values and ids', () => {
    const input = (fields: object = {}) => ({
      type: 4,
      custom_id: 'i',
      style: 1,
      label: 'Prompt',
      ...fields,
    });
    const modal = (fields: object = {}, ...inputs: object[]) => ({
      custom_id: 'm',
      title: 'Edit',
      components: (inputs.length > 0 ? inputs : [input()]).map((i) => row(i)),
      ...fields,
    });
    expect(invalidModal(modal())).toBeUndefined();
    expect(fieldOf(invalidModal(modal({ custom_id: 'c'.repeat(101) })))).toBe('data.custom_id');
    expect(fieldOf(invalidModal(modal({ title: '' })))).toBe('data.title');
    expect(fieldOf(invalidModal(modal({ title: 't'.repeat(46) })))).toBe('data.title');
    expect(fieldOf(invalidModal(modal({ components: [] })))).toBe('data.components');
    const six = Array.from({ length: 6 }, (_, i) => input({ custom_id: `i${i}` }));
    expect(fieldOf(invalidModal(modal({}, ...six)))).toBe('data.components');
    expect(fieldOf(invalidModal(modal({}, input({ label: 'l'.repeat(46) }))))).toBe(
      'data.components.0.components.0.label',
    );
    expect(fieldOf(invalidModal(modal({}, input({ placeholder: 'p'.repeat(101) }))))).toBe(
      'data.components.0.components.0.placeholder',
    );
    expect(fieldOf(invalidModal(modal({}, input({ max_length: 4001 }))))).toBe(
      'data.components.0.components.0.max_length',
    );
    expect(fieldOf(invalidModal(modal({}, input({ min_length: 10, max_length: 5 }))))).toBe(
      'data.components.0.components.0.max_length',
    );
    expect(fieldOf(invalidModal(modal({}, input({ max_length: 3, value: 'abcd' }))))).toBe(
      'data.components.0.components.0.value',
    );
    expect(fieldOf(invalidModal(modal({}, input(), input())))).toBe('data.components.1');
    // A Label (type 18) around an input carries the label (45) and a description (100).
    const labelled = {
      type: 18,
      label: 'Prompt',
      description: 'd'.repeat(101),
      component: input({ label: undefined }),
    };
    expect(fieldOf(invalidModal({ custom_id: 'm', title: 'Edit', components: [labelled] }))).toBe(
      'data.components.0.description',
    );
  });

  it('callback types: 8 only for autocomplete, 6/7 only for components, 9 not for a modal’s submission', () => {
    const [command, component, autocomplete, modal] = [2, 3, 4, 5];
    expect(invalidCallbackType(command, 4, false)).toBeUndefined();
    expect(invalidCallbackType(command, 9, false)).toBeUndefined();
    expect(refusal(invalidCallbackType(command, 7, false))).toEqual(FORM);
    expect(refusal(invalidCallbackType(command, 6, false))).toEqual(FORM);
    expect(invalidCallbackType(component, 7, true)).toBeUndefined();
    expect(refusal(invalidCallbackType(autocomplete, 4, false))).toEqual(FORM);
    expect(refusal(invalidCallbackType(command, 8, false))).toEqual(FORM);
    expect(refusal(invalidCallbackType(modal, 9, true))).toEqual(FORM);
    expect(invalidCallbackType(modal, 6, true)).toBeUndefined();
    expect(refusal(invalidCallbackType(modal, 7, false))).toEqual(FORM);
  });
});

describe('fake Discord: application command rules', () => {
  const chat = (fields: object = {}) => ({
    type: 1,
    name: 'imagine',
    description: 'Draw an image',
    ...fields,
  });
  const option = (fields: object = {}) => ({
    type: 3,
    name: 'prompt',
    description: 'What to draw',
    ...fields,
  });

  it('names: Discord’s pattern in lowercase, in every locale; descriptions 1–100 in every locale', () => {
    expect(invalidCommand(chat(), '0')).toBeUndefined();
    expect(fieldOf(invalidCommand(chat({ name: 'Imagine' }), '0'))).toBe('0.name');
    expect(fieldOf(invalidCommand(chat({ name: 'two words' }), '0'))).toBe('0.name');
    expect(fieldOf(invalidCommand(chat({ name: 'n'.repeat(33) }), '0'))).toBe('0.name');
    expect(
      invalidCommand(chat({ name_localizations: { ja: '画像', ru: 'рисовать', hi: 'चित्र' } }), '0'),
    ).toBeUndefined();
    expect(fieldOf(invalidCommand(chat({ name_localizations: { ru: 'Рисовать' } }), '0'))).toBe(
      '0.name_localizations.ru',
    );
    expect(fieldOf(invalidCommand(chat({ name_localizations: { de: 'bild malen' } }), '0'))).toBe(
      '0.name_localizations.de',
    );
    expect(fieldOf(invalidCommand(chat({ description: '' }), '0'))).toBe('0.description');
    expect(fieldOf(invalidCommand(chat({ description_localizations: { fr: 'd'.repeat(101) } }), '0'))).toBe(
      '0.description_localizations.fr',
    );
  });

  it('localization keys are Discord’s locales ("es" alone is not one)', () => {
    expect(
      invalidCommand(chat({ name_localizations: { 'es-ES': 'dibujar', 'es-419': 'dibujar' } }), '0'),
    ).toBe(undefined);
    expect(fieldOf(invalidCommand(chat({ name_localizations: { es: 'dibujar' } }), '0'))).toBe(
      '0.name_localizations.es',
    );
  });

  it('options: at most 25, required first, names unique in every locale; choices 25 of 1–100, not with autocomplete', () => {
    const many = Array.from({ length: 26 }, (_, i) => option({ name: `o${i}` }));
    expect(fieldOf(invalidCommand(chat({ options: many }), '0'))).toBe('0.options');
    const order = [option({ name: 'a' }), option({ name: 'b', required: true })];
    expect(fieldOf(invalidCommand(chat({ options: order }), '0'))).toBe('0.options.1.required');
    const twins = [option({ name: 'a' }), option({ name: 'b', name_localizations: { fr: 'a' } })];
    expect(fieldOf(invalidCommand(chat({ options: twins }), '0'))).toBe('0.options.1.name_localizations.fr');
    const choices = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, value: `${i}` }));
    expect(invalidCommand(chat({ options: [option({ choices: choices(25) })] }), '0')).toBeUndefined();
    expect(fieldOf(invalidCommand(chat({ options: [option({ choices: choices(26) })] }), '0'))).toBe(
      '0.options.0.choices',
    );
    const longName = [{ name: 'c', value: '1', name_localizations: { ja: 'n'.repeat(101) } }];
    expect(fieldOf(invalidCommand(chat({ options: [option({ choices: longName })] }), '0'))).toBe(
      '0.options.0.choices.0.name_localizations.ja',
    );
    expect(
      fieldOf(invalidCommand(chat({ options: [option({ choices: choices(2), autocomplete: true })] }), '0')),
    ).toBe('0.options.0.autocomplete');
    expect(fieldOf(invalidCommand(chat({ options: [option({ max_length: 6001 })] }), '0'))).toBe(
      '0.options.0.max_length',
    );
  });

  it('a command’s 8000 characters count the longest localization of each field', () => {
    const description = 'd'.repeat(100);
    const options = Array.from({ length: 25 }, (_, i) =>
      option({
        name: `o${i}`,
        description,
        choices: Array.from({ length: 25 }, (_, j) => ({ name: 'n'.repeat(10), value: `${j}` })),
      }),
    );
    expect(commandCharacters(chat({ options }))).toBeGreaterThan(8000);
    expect(fieldOf(invalidCommand(chat({ options }), '0'))).toBe('0');
    const localized = chat({ description_localizations: { ja: 'd'.repeat(60) } });
    expect(commandCharacters(localized)).toBe('imagine'.length + 60);
  });

  it('context menus: 1–32 characters in any case, spaces allowed, no description', () => {
    const menu = { type: 3, name: 'Describe image', name_localizations: { de: 'Bild beschreiben' } };
    expect(invalidCommand(menu, '0')).toBeUndefined();
    expect(fieldOf(invalidCommand({ ...menu, name_localizations: { de: 'b'.repeat(33) } }, '0'))).toBe(
      '0.name_localizations.de',
    );
    expect(fieldOf(invalidCommand({ ...menu, description: 'Describes' }, '0'))).toBe('0.description');
  });

  it('a bulk overwrite: names unique per type in every locale; at most 100 chat commands, 15 menus', () => {
    expect(invalidCommands([chat(), { type: 3, name: 'imagine' }])).toBeUndefined();
    expect(fieldOf(invalidCommands([chat(), chat()]))).toBe('1.name');
    expect(
      fieldOf(invalidCommands([chat(), chat({ name: 'draw', name_localizations: { ko: 'imagine' } })])),
    ).toBe('1.name_localizations.ko');
    const menus = Array.from({ length: 16 }, (_, i) => ({ type: 3, name: `Menu ${i}` }));
    expect(refusal(invalidCommands(menus))).toEqual({ status: 400, code: 30032 });
  });
});

describe('fake Discord limits seen through discord.js', () => {
  let fake: FakeDiscord | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.destroy();
    await fake?.stop();
    fake = undefined;
    client = undefined;
  });

  async function connect(): Promise<{ fake: FakeDiscord; client: Client }> {
    fake = await startFakeDiscord();
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
      partials: [Partials.Channel],
      ...fake.clientOptions(),
    });
    const ready = once(client, Events.ClientReady);
    await client.login(fake.token);
    await ready;
    return { fake, client };
  }

  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: DiscordAPIError) => [error.status, error.code, error.message.split('\n')[1] ?? ''],
    );

  it('an empty post, a duplicated custom_id, an invalid command localization, a wrong callback type', async () => {
    const { fake, client } = await connect();
    const channel = (await client.channels.fetch(fake.world.channel.id)) as TextChannel;
    expect(await codeOf(channel.send({ content: '' }))).toEqual([400, 50006, '']);
    const twins = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('reroll:1').setLabel('Re-roll').setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId('reroll:1').setLabel('Again').setStyle(ButtonStyle.Secondary),
    );
    expect(await codeOf(channel.send({ content: 'done', components: [twins] }))).toEqual([
      400,
      50035,
      'components[0].components[1].custom_id[COMPONENT_CUSTOM_ID_DUPLICATED]: Component custom id cannot be duplicated',
    ]);
    const commands = [{ name: 'imagine', description: 'Draw', name_localizations: { ja: 'Imagine' } }];
    const [status, code] = (await codeOf(client.application!.commands.set(commands))) as unknown[];
    expect([status, code]).toEqual([400, 50035]);
    expect(fake.store.globalCommands).toEqual([]);

    // discord.js offers no deferUpdate on a slash command; sent as raw REST, Discord refuses it.
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'cat' } }),
    );
    const outcomes = [
      await codeOf(client.rest.post(Routes.interactionCallback(ix.id, ix.token), { body: { type: 6 } })),
    ];
    expect((outcomes[0] as unknown[]).slice(0, 2)).toEqual([400, 50035]);
  });
});
