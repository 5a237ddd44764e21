// Discord's documented limits, checked where the adapter builds what Discord would refuse or cut: a message's 2000
// characters (a long answer goes on in further messages, a job's first reply too; one that must stay one message
// carries its whole text as message.txt; a ping put before a result's text never splits an emoji), labels and option
// texts cut between whole characters, a modal's pre-filled line never cut (in two fields past what one holds), and
// every catalog's command names and descriptions within Discord's rules.
import type { AttachmentBuilder, Client, MessageCreateOptions } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { toDiscordCommands } from '../../../adapters/discord/command-json.js';
import { lineModal, lineOf } from '../../../adapters/discord/modals.js';
import { optionLabel } from '../../../adapters/discord/picker.js';
import { CONTENT_LIMIT, partsOf, toDiscordMessage } from '../../../adapters/discord/render.js';
import { DiscordStatus } from '../../../adapters/discord/status.js';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { DEFAULT_LIMITS, invalidMessageBody, invalidModal } from '../../doubles/fake-discord/validation.js';

const JOB = '0f0f0f0f-1111-4222-8333-444455556666';

const wellFormed = (s: string) =>
  !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** A /queue-like answer: many lines of a few hundred characters, with buttons. */
const longList = (): Reply => ({
  text: Array.from({ length: 12 }, (_, i) => ({
    key: 'job.answer',
    params: { text: `${i + 1}. ${'x'.repeat(300)}` },
  })),
  buttons: [[{ id: `cancel:${JOB}`, labelKey: 'button.cancel', style: 'danger' }]],
  ephemeral: true,
});

describe('Discord: a message’s 2000 characters', () => {
  it('an answer too long for one message is split between whole lines, none lost', () => {
    const reply = longList();
    const parts = partsOf(reply, 'en');
    expect(parts.length).toBeGreaterThan(1);
    const contents = parts.map((part) => toDiscordMessage(part, 'en').content);
    for (const content of contents) expect(content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(contents.join('\n')).toBe(reply.text.map((line) => t('en', line.key, line.params)).join('\n'));
    // The first message is the answer (its buttons); the rest carry lines alone, as private as it.
    expect(parts[0]?.buttons).toEqual(reply.buttons);
    for (const part of parts.slice(1)) expect(part).toEqual({ text: part.text, ephemeral: true });
  });

  it('a job’s first reply is its status message with the lines that fit beside its ETA; the rest follow whole', () => {
    const notice = { key: 'job.undelivered_notice', params: { count: 2 }, tells: ['j1', 'j2'] };
    const reply: Reply = { ...longList(), jobId: JOB, startsJob: true, etaAt: 1_700_000_000_000 };
    reply.text.push(notice);
    const parts = partsOf(reply, 'en');
    expect(parts.length).toBeGreaterThan(1);
    // The status message keeps the job, its buttons and its ETA line, within 2000 with it.
    const status = toDiscordMessage(parts[0], 'en');
    expect(parts[0]).toMatchObject({ jobId: JOB, startsJob: true, buttons: reply.buttons });
    expect(status.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(status.content.endsWith('⏱ <t:1700000000:R>')).toBe(true);
    expect(status.files).toEqual([]);
    // The notice, which counts as told once the message holding it was sent, is in a message whole.
    const last = parts.at(-1) as Reply;
    expect(last.text.at(-1)).toEqual(notice);
    expect(toDiscordMessage(last, 'en').content.endsWith(t('en', notice.key, notice.params))).toBe(true);
    expect(partsOf({ text: [{ key: 'help.text' }] }, 'en')).toHaveLength(1);
  });

  it('a message that must stay one (a status message) carries its whole text as message.txt once cut', () => {
    const answer = `${'a grey cat on a red sofa, '.repeat(100)}the end`;
    const reply: Reply = {
      jobId: JOB,
      final: true,
      outcome: 'done',
      text: [{ key: 'job.answer', params: { text: answer } }],
    };
    const message = toDiscordMessage(reply, 'en');
    expect(message.content.length).toBe(CONTENT_LIMIT);
    const [file] = message.files as AttachmentBuilder[];
    expect(file?.name).toBe('message.txt');
    expect(Buffer.from(file?.attachment as Buffer).toString('utf8')).toBe(answer);
    // Whole, it needs none.
    expect(
      toDiscordMessage({ text: [{ key: 'job.answer', params: { text: 'short' } }] }, 'en').files,
    ).toEqual([]);
  });

  it('a long job’s result naming its owner never ends in half an emoji', async () => {
    const sent: MessageCreateOptions[] = [];
    const channel = {
      isSendable: () => true,
      send: async (options: MessageCreateOptions) => {
        sent.push(options);
        return {};
      },
    };
    const client = { channels: { fetch: async () => channel } } as unknown as Client;
    const userId = '930000000000000001';
    const status = new DiscordStatus(client, {
      channelId: '920000000000000001',
      messageId: '940000000000000001',
      userId,
      locale: 'en',
      uploadLimit: 10 * 1024 * 1024,
      private: false,
    });
    // With `<@id> ` (22 characters) before it, the 🦊 straddles the 2000th character.
    const text = `${'a'.repeat(2000 - 23)}🦊${'b'.repeat(10)}`;
    await status.replyToUser({
      jobId: JOB,
      final: true,
      outcome: 'done',
      text: [{ key: 'job.answer', params: { text } }],
    });
    const content = sent[0]?.content ?? '';
    expect(content.startsWith(`<@${userId}> a`)).toBe(true);
    expect(content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(wellFormed(content)).toBe(true);
    // Cut by the mention before it, the answer comes whole beside it.
    const [file] = (sent[0]?.files ?? []) as AttachmentBuilder[];
    expect(file?.name).toBe('message.txt');
    expect(Buffer.from(file?.attachment as Buffer).toString('utf8')).toBe(text);
  });
});

describe('Discord: labels and modals', () => {
  it('a select option’s label and a button’s label are cut between whole characters', () => {
    const label = optionLabel(0, { name: `${'n'.repeat(94)}🦊.png` });
    expect(label.length).toBeLessThanOrEqual(100);
    expect(wellFormed(label)).toBe(true);
    const reply: Reply = {
      text: [],
      buttons: [
        [
          {
            id: `original:${JOB}`,
            labelKey: 'button.original_of',
            // "File " and 74 characters: the 🦊 straddles the 80th.
            params: { id: `${'i'.repeat(74)}🦊 and more` },
            style: 'secondary',
          },
        ],
      ],
    };
    const json = JSON.parse(JSON.stringify(toDiscordMessage(reply, 'en').components)) as Array<{
      components: Array<{ label: string }>;
    }>;
    const shown = json[0]?.components[0]?.label ?? '';
    expect(shown.length).toBeLessThanOrEqual(80);
    expect(wellFormed(shown)).toBe(true);
  });

  it('a line to change is offered whole, with room for it, in two fields past Discord’s 4000', () => {
    const ask = { titleKey: 'ask.remix.title', labelKey: 'ask.remix.label' };
    const inputs = (line: string) =>
      (
        lineModal(`remixmodal:${JOB}`, 'en', ask, line).toJSON() as unknown as {
          components: Array<{
            components: Array<{ custom_id: string; value?: string; max_length?: number; required?: boolean }>;
          }>;
        }
      ).components.map((row) => row.components[0]);
    /** The line the modal gives back when submitted unchanged. */
    const back = (line: string) => {
      const values = new Map(inputs(line).map((input) => [input?.custom_id ?? '', input?.value ?? '']));
      return lineOf({ fields: values, getTextInputValue: (id: string) => values.get(id) ?? '' } as never);
    };
    const long = `${'a red fox '.repeat(245)}--seed 42 --no trees`;
    expect(inputs(long)).toMatchObject([{ value: long, max_length: 4000 }]);
    expect(inputs('a fox')).toMatchObject([{ value: 'a fox', max_length: 2400 }]);
    // Past 4000: the prompt in the first field, its flags in the second (which may be emptied), none cut.
    const longer = `${'a red fox '.repeat(300)}--seed 42 --no ${'trees '.repeat(200)}fog`;
    expect(inputs(longer)).toMatchObject([
      { value: 'a red fox '.repeat(300).trim(), max_length: 4000 },
      { value: `--seed 42 --no ${'trees '.repeat(200)}fog`, max_length: 4000, required: false },
    ]);
    expect(back(longer)).toBe(longer);
    // No flag to split at: the first field as full as it may be.
    const words = 'word '.repeat(900).trim();
    expect(inputs(words).map((input) => input?.value?.length)).toEqual([3999, words.length - 4000]);
    expect(back(words)).toBe(words);
    // No space to split at: between two whole characters, read back joined as it was.
    const huge = `${'b'.repeat(3999)}🦊`;
    expect(inputs(huge).map((input) => input?.value)).toEqual(['b'.repeat(3999), '🦊']);
    expect(back(huge)).toBe(huge);
    expect(invalidModal(lineModal(`remixmodal:${JOB}`, 'en', ask, longer).toJSON())).toBeUndefined();
    // The fake refuses what Discord refuses, and takes what the adapter builds.
    const modal = lineModal(`remixmodal:${JOB}`, 'en', ask, long).toJSON();
    expect(invalidModal(modal)).toBeUndefined();
    const cut = JSON.parse(JSON.stringify(modal));
    cut.components[0].components[0].max_length = 2400;
    expect(invalidModal(cut)?.status).toBe(400);
    expect(invalidModal({ ...modal, title: 't'.repeat(46) })?.status).toBe(400);
  });

  it('the fake refuses more than 10 files and an over-long button label or select option, as Discord does', () => {
    const file = { filename: 'x.png', bytes: Buffer.alloc(1) } as never;
    expect(invalidMessageBody({}, Array(11).fill(file), DEFAULT_LIMITS)?.status).toBe(400);
    expect(invalidMessageBody({}, Array(10).fill(file), DEFAULT_LIMITS)).toBeUndefined();
    const row = (component: object) => ({ components: [{ type: 1, components: [component] }] });
    const button = { type: 2, style: 1, custom_id: 'b', label: 'l'.repeat(81) };
    expect(invalidMessageBody(row(button), [], DEFAULT_LIMITS)?.status).toBe(400);
    const select = { type: 3, custom_id: 's', options: [{ label: 'o'.repeat(101), value: '0' }] };
    expect(invalidMessageBody(row(select), [], DEFAULT_LIMITS)?.status).toBe(400);
  });
});

describe('Discord: command names and descriptions in every catalog', () => {
  // Discord's rule for CHAT_INPUT names and their localizations; lowercase where the script has case.
  const NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
  type Json = Record<string, unknown>;
  const texts = (base: unknown, map: unknown) => [
    String(base),
    ...Object.values((map as Record<string, string> | undefined) ?? {}),
  ];

  it('every name matches Discord’s pattern in lowercase, every description and choice is 1–100 characters', () => {
    const commands = toDiscordCommands() as unknown as Json[];
    for (const c of commands) {
      if (c.type !== 1) {
        for (const name of texts(c.name, c.name_localizations)) expect(name.length).toBeLessThanOrEqual(32);
        continue;
      }
      for (const name of texts(c.name, c.name_localizations)) {
        expect(name, String(c.name)).toMatch(NAME);
        expect(name, String(c.name)).toBe(name.toLowerCase());
      }
      for (const text of texts(c.description, c.description_localizations))
        expect(text.length, String(c.name)).toBeGreaterThan(0);
      for (const text of texts(c.description, c.description_localizations))
        expect(text.length, String(c.name)).toBeLessThanOrEqual(100);
      for (const o of (c.options as Json[] | undefined) ?? []) {
        const where = `${c.name}.${o.name}`;
        for (const name of texts(o.name, o.name_localizations)) {
          expect(name, where).toMatch(NAME);
          expect(name, where).toBe(name.toLowerCase());
        }
        for (const text of texts(o.description, o.description_localizations)) {
          expect(text.length, where).toBeGreaterThan(0);
          expect(text.length, where).toBeLessThanOrEqual(100);
        }
        const choices = (o.choices as Json[] | undefined) ?? [];
        expect(choices.length, where).toBeLessThanOrEqual(25);
        for (const choice of choices)
          for (const name of texts(choice.name, choice.name_localizations)) {
            expect(name.length, where).toBeGreaterThan(0);
            expect(name.length, where).toBeLessThanOrEqual(100);
          }
      }
    }
  });
});
