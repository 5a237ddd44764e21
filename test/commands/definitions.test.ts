import { describe, expect, it } from 'vitest';
import { toDiscordCommands } from '../../adapters/discord/command-json.js';
import { toTelegramCommands } from '../../adapters/telegram/command-list.js';
import {
  COMMANDS,
  descriptionKey,
  findCommand,
  optionDescriptionKey,
  optionsOf,
} from '../../commands/index.js';
import { MAX_LINE_CHARS } from '../../commands/limits.js';
import { catalog, PLATFORM_TAGS, SUPPORTED_LOCALES } from '../../src/i18n.js';
import { ADMIN_COMMANDS, CHAT_COMMANDS } from '../command-table.js';

type Json = Record<string, unknown>;
/** Every Discord locale code the catalogs are offered under. */
const discordCodes = SUPPORTED_LOCALES.flatMap((locale) => PLATFORM_TAGS[locale].discord).sort();
const commands = toDiscordCommands() as unknown as Json[];
const chat = commands.filter((c) => c.type === 1);

describe('Discord command JSON', () => {
  it('has the chat commands of the table (not Telegram-only /start) and three message menus', () => {
    expect(chat.map((c) => c.name)).toEqual(CHAT_COMMANDS);
    // /block and /unblock pick a user with Discord's user picker (type 6), which resolves the member.
    expect(chat.find((c) => c.name === 'block')?.options).toMatchObject([
      { name: 'user', type: 6, required: false },
      { name: 'reason', type: 3, required: false, max_length: 200 },
    ]);
    expect(chat.find((c) => c.name === 'unblock')?.options).toMatchObject([
      { name: 'user', type: 6, required: false },
    ]);
    // /prefer's name and value: typed freely, at most as long as a custom option may be.
    // Its name and /cancel's job are suggested as they are typed (autocomplete); the value is free text.
    const prefer = chat.find((c) => c.name === 'prefer')?.options as Json[];
    expect(prefer).toMatchObject([
      { name: 'option', type: 3, required: false, max_length: 26, autocomplete: true },
      { name: 'value', type: 3, required: false, max_length: 200 },
    ]);
    expect(prefer[1]).not.toHaveProperty('autocomplete');
    expect(chat.find((c) => c.name === 'cancel')?.options).toMatchObject([
      { name: 'job', autocomplete: true },
    ]);
    // /retouch's boxes offer the named regions.
    const retouch = chat.find((c) => c.name === 'retouch')?.options as Json[];
    expect(retouch.find((o) => o.name === 'boxes')).toMatchObject({
      type: 3,
      max_length: 200,
      autocomplete: true,
    });
    const menus = commands.filter((c) => c.type === 3);
    expect(menus.map((m) => m.name)).toEqual(['Describe image', 'Edit image…', 'Retouch…']);
    expect(menus[0]?.name_localizations).toMatchObject({ 'zh-CN': '描述图片' });
  });

  it('uses valid names and fits Discord limits, with every locale’s localizations everywhere', () => {
    const name = /^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$/u;
    for (const c of chat) {
      expect(c.name).toMatch(name);
      expect(String(c.description).length).toBeLessThanOrEqual(100);
      for (const map of [c.name_localizations, c.description_localizations] as Json[]) {
        expect(Object.keys(map).sort()).toEqual(discordCodes);
      }
      expect((c.name_localizations as Json)['zh-CN']).toMatch(name);
      const options = c.options as Json[];
      expect(options.length).toBeLessThanOrEqual(25);
      // Required options first.
      const required = options.map((o) => o.required);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
      for (const o of options) {
        expect(o.name).toMatch(name);
        expect(String(o.description).length, `${c.name}.${o.name}`).toBeLessThanOrEqual(100);
        expect(o.description, `${c.name}.${o.name}`).not.toMatch(/^command\./);
        const zh = (o.description_localizations as Json)['zh-CN'];
        expect(zh).not.toBe(o.description);
        expect(String(zh).length).toBeLessThanOrEqual(100);
        for (const choice of (o.choices as Json[] | undefined) ?? []) {
          expect(String(choice.name).length).toBeLessThanOrEqual(100);
          expect(choice.name).not.toMatch(/^choice\./);
        }
      }
    }
    expect(JSON.parse(JSON.stringify(commands))).toEqual(commands);
  });

  it('names a text option of its own as the one whose braces are permutations', () => {
    const permuting = COMMANDS.filter((spec) => spec.permutes !== undefined);
    expect(permuting.map((spec) => [spec.name, spec.permutes])).toEqual([
      ['imagine', 'prompt'],
      ['edit', 'instruction'],
      ['retouch', 'prompt'],
      ['outpaint', 'prompt'],
    ]);
    for (const spec of permuting) {
      const option = optionsOf(spec).find((o) => o.name === spec.permutes);
      expect(option?.type, spec.name).toBe('string');
    }
  });

  it('maps option types and limits to Discord’s', () => {
    const imagine = chat.find((c) => c.name === 'imagine') as Json;
    const options = Object.fromEntries((imagine.options as Json[]).map((o) => [o.name, o]));
    // A line, flags and all: within the most Discord lets a string option hold.
    expect(options.prompt).toMatchObject({ type: 3, required: true, max_length: MAX_LINE_CHARS });
    expect(MAX_LINE_CHARS).toBeLessThanOrEqual(6000);
    expect(options.steps).toMatchObject({ type: 4, min_value: 1, max_value: 128 });
    expect(options.cfg).toMatchObject({ type: 10, min_value: 0, max_value: 20 });
    // Any zoom-out factor in the range (Midjourney's Custom Zoom), not only the buttons' 1.5 and 2.
    const outpaint = chat.find((c) => c.name === 'outpaint') as Json;
    const zoom = (outpaint.options as Json[]).find((o) => o.name === 'zoom') as Json;
    expect(zoom).toMatchObject({ type: 10, min_value: 1.1, max_value: 2 });
    expect(zoom).not.toHaveProperty('choices');
    const edit = chat.find((c) => c.name === 'edit') as Json;
    const editOptions = Object.fromEntries((edit.options as Json[]).map((o) => [o.name, o]));
    expect(editOptions.image).toMatchObject({ type: 11, required: true });
    const followInstruction = ((editOptions.type as Json).choices as Json[])[0] as Json;
    expect(followInstruction).toMatchObject({
      name: 'Follow the instruction',
      name_localizations: {
        'en-US': 'Follow the instruction',
        'en-GB': 'Follow the instruction',
        'zh-CN': '按指令修改',
      },
      value: 'edit_replace',
    });
    expect(Object.keys(followInstruction.name_localizations as Json).sort()).toEqual(discordCodes);
    const settings = chat.find((c) => c.name === 'settings') as Json;
    const language = (settings.options as Json[]).find((o) => o.name === 'language') as Json;
    // Every supported language, each named in itself.
    expect(language.choices).toEqual(
      SUPPORTED_LOCALES.map((value) => ({ name: catalog(value)['meta.language_name'], value })),
    );
    expect((language.choices as Json[]).slice(0, 2)).toEqual([
      { name: 'English', value: 'en' },
      { name: '简体中文', value: 'zh-CN' },
    ]);
  });

  it('has a description key in both catalogs for every command and option of the table', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const messages = catalog(locale);
      for (const c of COMMANDS) {
        expect(messages, `${locale} ${c.name}`).toHaveProperty([descriptionKey(c.name)]);
        for (const o of optionsOf(c)) expect(messages).toHaveProperty([optionDescriptionKey(c.name, o.name)]);
      }
    }
  });
});

describe('Telegram commands', () => {
  it('lists every command with the /draw alias, without /start or admin commands, in the asked language', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const list = toTelegramCommands(locale);
      expect(list.map((c) => c.command)).toEqual([
        'imagine',
        'draw',
        ...CHAT_COMMANDS.filter((name) => name !== 'imagine' && !ADMIN_COMMANDS.includes(name)),
      ]);
      for (const c of list) {
        expect(c.command).toMatch(/^[a-z0-9_]{1,32}$/);
        expect(c.description.length).toBeGreaterThan(0);
        expect(c.description.length).toBeLessThanOrEqual(256);
      }
    }
    expect(toTelegramCommands('zh-CN')[0]?.description).toBe(catalog('zh-CN')['command.imagine.description']);
    expect(findCommand('draw')?.name).toBe('imagine');
    expect(findCommand('start')?.aliasOf).toBe('help');
  });
});
