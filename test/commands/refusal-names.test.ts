// A refusal names an option as the user gave it: a typed line's flag (`--zoom`, `--pan`, `--box`, `--type`, also for
// a leading `3x`), a platform's own option by its registered name; an option no typed line names (/prefer's value,
// /block's reason, /cancel's job, /unblock's user) has a sentence of its own. Read in English, German and Japanese.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { type Locale, placeholders, t } from '../../src/i18n.js';
import type { Platform } from '../../src/jobs/index.js';
import { commandsOnQueue } from './commands-on-queue.js';
import { finishedResults, imagineRequest } from './finished-results.js';

async function setup() {
  const { commands, store } = commandsOnQueue('refusal-names', { start: false });
  const { png, finished } = await finishedResults(store, { platform: 'discord', userId: '7' }, 'dm:7');
  const ctx = (platform: Platform = 'telegram', language: Locale = 'en'): CommandContext =>
    commands.context({
      user: { platform, userId: '7' },
      scope: 'dm:7',
      language,
      ownMachine: true,
      admin: true,
    });
  const imagined = finished(imagineRequest('sky'), { input: false });
  return { commands, image: { data: png }, ctx, imagined };
}

type Line = { key: string; params: Record<string, string | number> };
const first = (reply: Reply | undefined): Line => reply?.text[0] as Line;

/** The refusal as each of the three languages says it. */
function said(line: Line): Record<'en' | 'de' | 'ja', string> {
  return {
    en: t('en', line.key, line.params),
    de: t('de', line.key, line.params),
    ja: t('ja', line.key, line.params),
  };
}

/** The names a refusal's sentence shows (in English: every catalog has the same placeholders). */
function shownNames(line: Line): string[] {
  const naming = new Set(['option', 'flag', 'a', 'b']);
  return placeholders(t('en', line.key))
    .filter((name) => naming.has(name))
    .map((name) => String(line.params[name]));
}

describe('a typed line’s refusal', () => {
  it('names a command’s own option by the flag that set it', async () => {
    const { commands, image, ctx } = await setup();
    const typed = async (line: string) => first(await commands.runText(ctx(), line, [image]));
    const zoom = await typed('/outpaint --zoom 5 more sky');
    expect(zoom).toEqual({
      key: 'errors.flag.range_number',
      params: { flag: '--zoom', value: '5', min: 1.1, max: 2 },
    });
    expect(said(zoom)).toEqual({
      en: '--zoom must be a number from 1.1 to 2 (got “5”).',
      de: '--zoom muss eine Zahl von 1.1 bis 2 sein (angegeben: „5“).',
      ja: '--zoom は 1.1〜2 の数値で指定してください（入力：「5」）。',
    });
    // A leading `3x` is the zoom too: its flag is what /help teaches.
    expect(await typed('/outpaint 3x more sky')).toEqual({ ...zoom, params: { ...zoom.params, value: '3' } });
    const pan = await typed('/outpaint --pan sideways x');
    expect(pan).toMatchObject({
      key: 'errors.settings.choice',
      params: { option: '--pan', value: 'sideways' },
    });
    expect(said(pan)).toEqual({
      en: '--pan must be one of left, right, up, down, square (got “sideways”).',
      de: '--pan muss einer dieser Werte sein: left, right, up, down, square (angegeben: „sideways“).',
      ja: '--pan は left, right, up, down, square のいずれかにしてください（入力：「sideways」）。',
    });
    expect(await typed('/edit --type bogus the cat')).toMatchObject({ params: { option: '--type' } });
    const box = await typed(`/retouch a hat --box ${'a'.repeat(250)}`);
    expect(box).toEqual({
      key: 'errors.option.too_long',
      params: { option: '--box', length: 250, limit: 200 },
    });
    expect(said(box)).toEqual({
      en: '--box is too long (250 characters, limit 200).',
      de: '--box ist zu lang (250 Zeichen, Limit 200).',
      ja: '--box が長すぎます（250 文字、上限 200 文字）。',
    });
  });

  it('says an option that has no flag in its own words', async () => {
    const { commands, ctx } = await setup();
    const typed = async (line: string) => first(await commands.runText(ctx(), line));
    const value = await typed(`/prefer cine ${'x'.repeat(300)}`);
    // What the sentence shows, and no option it does not name.
    expect(value).toEqual({ key: 'errors.prefer.value_too_long', params: { length: 300, limit: 200 } });
    expect(said(value)).toEqual({
      en: 'What an option stands for is too long (300 characters, limit 200).',
      de: 'Wofür eine Option steht, ist zu lang (300 Zeichen, Limit 200).',
      ja: 'オプションの中身が長すぎます（300 文字、上限 200 文字）。',
    });
    // A name longer than the field is no name, said as any other with the name's own limit (24, not the field's 26).
    for (const name of ['x'.repeat(25), `--${'x'.repeat(30)}`]) {
      const long = await typed(`/prefer ${name} --ar 1:1`);
      expect(long).toEqual({ key: 'errors.prefer.name', params: { name, max: 24 } });
      expect(said(long).en).toMatch(/^“-*x+” cannot name an option: .* at most 24 characters/);
    }
    const reason = await typed(`/block 123456 ${'a'.repeat(240)}`);
    expect(reason).toEqual({ key: 'errors.block.reason_too_long', params: { length: 240, limit: 200 } });
    expect(said(reason)).toEqual({
      en: 'The reason is too long (240 characters, limit 200).',
      de: 'Der Grund ist zu lang (240 Zeichen, Limit 200).',
      ja: '理由が長すぎます（240 文字、上限 200 文字）。',
    });
    const user = await typed('/unblock someone');
    expect(user).toEqual({ key: 'errors.block.user_invalid', params: { value: 'someone' } });
    expect(said(user)).toEqual({
      en: "“someone” is not a user id: type the user's numeric id, e.g. 123456789.",
      de: '„someone“ ist keine Nutzer-ID: Gib die numerische ID des Nutzers ein, z. B. 123456789.',
      ja: '「someone」はユーザー ID ではありません。数字の ID を入力してください（例：123456789）。',
    });
    // No job has an id longer than any: it is said as an unknown id is.
    expect(await typed(`/cancel ${'a'.repeat(40)}`)).toEqual({ key: 'errors.job.not_found', params: {} });
  });

  it('names no option by its internal name, on any platform, for the answers of Custom zoom and Vary (Region) too', async () => {
    const { commands, image, ctx, imagined } = await setup();
    for (const platform of ['discord', 'telegram', 'web'] as const) {
      const replies = [
        await commands.runText(ctx(platform), '/outpaint --zoom 2 --pan up x', [image]),
        await commands.runText(ctx(platform), '/outpaint 2.5x x', [image]),
        await commands.answerAsk(ctx(platform), 'zoom_line', imagined, 'sky --zoom 3'),
        // Discord asks for this line in a modal: its refusal once named the slash options there.
        await commands.answerAsk(ctx(platform), 'zoom_line', imagined, 'sky --zoom 2 --pan left'),
        await commands.answerAsk(ctx(platform), 'region_line', imagined, `a hat --box ${'b'.repeat(201)}`),
      ];
      for (const reply of replies) {
        const line = first(reply);
        expect([platform, line.key, shownNames(line).every((name) => name.startsWith('--'))]).toEqual([
          platform,
          line.key,
          true,
        ]);
      }
    }
  });

  it('names a platform’s own option by the name it is registered with', async () => {
    const { commands, image, ctx } = await setup();
    const run = (options: Record<string, unknown>) =>
      commands.run(ctx('discord'), {
        name: 'outpaint',
        options: { prompt: 'x', ...options },
        images: { image },
      });
    expect(first(await run({ zoom: 5 }))).toMatchObject({ params: { flag: 'zoom' } });
    expect(first(await run({ zoom: 2, direction: 'up' }))).toEqual({
      key: 'errors.flag.conflict',
      params: { a: 'zoom', b: 'direction' },
    });
    // A typed line run before on the same event leaves nothing behind for the next call.
    const event = ctx('discord');
    await commands.runText(event, '/outpaint --zoom 9 x', [image]);
    expect(
      first(
        await commands.run(event, { name: 'outpaint', options: { prompt: 'x', zoom: 9 }, images: { image } }),
      ),
    ).toMatchObject({ params: { flag: 'zoom' } });
  });
});

describe('labels of calls that overlap', () => {
  it('each call on one context names its options its own way, however they interleave', async () => {
    const { commands, image, ctx } = await setup();
    const event = ctx('discord');
    const typed = () => commands.runText(event, '/outpaint --zoom 2 --pan up x', [image]);
    const formed = () =>
      commands.run(event, {
        name: 'outpaint',
        options: { prompt: 'x', zoom: 2, direction: 'up' },
        images: { image },
      });
    // Both refusals come after the image is read (the conflict is judged with the image's size): both calls wait.
    for (const [a, b] of [
      [typed, formed],
      [formed, typed],
    ] as const) {
      const [one, two] = await Promise.all([a(), b()]);
      const names = (reply: Reply | undefined) => shownNames(first(reply));
      expect([names(one), names(two)]).toEqual(
        a === typed
          ? [
              ['--zoom', '--pan'],
              ['zoom', 'direction'],
            ]
          : [
              ['zoom', 'direction'],
              ['--zoom', '--pan'],
            ],
      );
    }
  });
});
