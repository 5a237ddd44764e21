// The playground's chat line goes through the commands layer's parsing: typed commands with their options, plain
// lines by what is attached, and the playground's own refusals (unknown command, no image). Real commands and
// queue (not started: the jobs only wait); the engine is the timed test double.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../../../adapters/web/router.js';
import type { Upload } from '../../../adapters/web/uploads.js';
import type { CommandContext, Commands, Reply } from '../../../commands/index.js';
import type { JobSystem, StoredRequest } from '../../../src/jobs/index.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

describe('playground router', () => {
  let app: PlaygroundOnDouble;
  let jobs: JobSystem;
  let commands: Commands;
  let png: Uint8Array;
  let user = 0;
  // A fresh user per line keeps the per-user caps out of the way.
  const ctx = (): CommandContext =>
    commands.context({
      user: { platform: 'web', userId: `u${++user}` },
      scope: 'playground',
      language: 'en',
    });
  const upload = (text: string, files: Array<'image' | 'mask' | 'reference'> = []): Upload => ({
    fields: { text },
    files: Object.fromEntries(files.map((f) => [f, { data: png, filename: `${f}.png` }])),
  });
  // A line sent with the result its picture came from (the composer's `origin`, Vary (Region)).
  const withOrigin = (text: string, origin: string, files: Array<'image' | 'mask'> = []): Upload => ({
    ...upload(text, files),
    fields: { text, origin },
  });
  const requestOf = (reply: Reply): StoredRequest | undefined => jobs.store.get(reply.jobId ?? '')?.request;

  beforeAll(async () => {
    app = openPlaygroundOnDouble(
      'router',
      {},
      { platforms: { web: { imageMissingKey: 'web.needs_image' } } },
    );
    ({ jobs, commands } = app);
    png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#4a4' } })
      .png()
      .toBuffer();
  });
  afterAll(async () => {
    await app.close();
  });

  it('runs typed commands with the playground options --type, --box, --zoom and --pan', async () => {
    expect(requestOf(await route(commands, ctx(), upload('/draw a fox --seed 3')))).toMatchObject({
      task: 'text_to_image',
      prompt: 'a fox',
      seed: 3,
    });
    const edit = await route(commands, ctx(), upload('/edit --type edit_remove the cat', ['image']));
    expect(requestOf(edit)).toMatchObject({ editType: 'edit_remove', prompt: 'the cat' });
    const retouch = await route(commands, ctx(), upload('/retouch a hat --box 0,0,0.5,0.5', ['image']));
    expect(requestOf(retouch)).toMatchObject({
      prompt: 'a hat',
      region: { kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.5, h: 0.5 }] },
    });
    const zoom = await route(commands, ctx(), upload('/outpaint --zoom 2 more sky', ['image']));
    expect(requestOf(zoom)).toMatchObject({
      prompt: 'more sky',
      region: { kind: 'extend', left: 0.5, top: 0.5 },
    });
    const pan = await route(commands, ctx(), upload('/outpaint a forest --pan left', ['image']));
    expect(requestOf(pan)).toMatchObject({ region: { kind: 'extend', left: 0.5, right: 0 } });
    const badPan = await route(commands, ctx(), upload('/outpaint --pan sideways x', ['image']));
    // Named as typed: the playground's user typed `--pan`, never the option's name `direction`.
    expect(badPan.text[0]).toMatchObject({ key: 'errors.settings.choice', params: { option: '--pan' } });
  });

  it('reads a plain line by what is attached: imagine, describe, edit with reference, retouch with mask', async () => {
    // A plain sentence alone is a hint, until the user turns "plain text = imagine" on (as /settings shows it).
    expect((await route(commands, ctx(), upload('hello there'))).text).toEqual([
      { key: 'chat.plain_hint', params: { text: 'hello there' } },
    ]);
    const me = ctx();
    await route(commands, me, upload('/settings plain on'));
    const again = commands.context({ user: me.user, scope: 'playground', language: 'en' });
    expect(requestOf(await route(commands, again, upload('a lighthouse')))).toMatchObject({
      task: 'text_to_image',
      prompt: 'a lighthouse',
    });
    expect(requestOf(await route(commands, ctx(), upload('', ['image'])))).toMatchObject({
      task: 'understand',
    });
    expect(requestOf(await route(commands, ctx(), upload('what is this?', ['image'])))).toMatchObject({
      task: 'understand',
      question: 'what is this?',
    });
    // "isolate" starts like "is", but is not a question.
    const edit = await route(commands, ctx(), upload('isolate the cat', ['image', 'reference']));
    expect(requestOf(edit)).toMatchObject({
      task: 'image_to_image',
      prompt: 'isolate the cat',
      refImage: { file: 'reference.png' },
    });
    const retouch = await route(commands, ctx(), upload('a yellow star', ['image', 'mask']));
    expect(requestOf(retouch)).toMatchObject({
      task: 'paint',
      region: { kind: 'mask', mask: { file: 'mask.png' } },
    });
  });

  it('quotes an unknown command as refusals quote typed words: bounded, whole characters, no overrides', async () => {
    const long = await route(commands, ctx(), upload(`/${'x'.repeat(3000)}🦊 a fox`));
    const said = String(long.text[0]?.params?.command);
    // The whole 3000-letter word was echoed into the reply.
    expect(said.length).toBeLessThanOrEqual(41);
    expect(said.endsWith('…')).toBe(true);
    const turned = await route(commands, ctx(), upload('/\u202efoo a fox'));
    expect(turned.text[0]?.params?.command).toBe('/foo');
  });

  it('answers an unknown command and a command without its image with the playground refusals', async () => {
    expect((await route(commands, ctx(), upload('/frobnicate now'))).text).toEqual([
      { key: 'web.unknown_command', params: { command: '/frobnicate' } },
    ]);
    // A slip of the keys names the command meant; a second name (/draw) is one too, a command this platform lacks
    // (/block) or a word too far from any is not.
    expect((await route(commands, ctx(), upload('/imagne a fox --ar 16:9'))).text).toEqual([
      { key: 'web.unknown_command_near', params: { command: '/imagne', suggestion: '/imagine' } },
    ]);
    expect((await route(commands, ctx(), upload('/Descirbe it'))).text[0]?.params?.suggestion).toBe(
      '/describe',
    );
    expect((await route(commands, ctx(), upload('/drwa a fox'))).text[0]?.params?.suggestion).toBe('/draw');
    expect((await route(commands, ctx(), upload('/blok 42'))).text[0]?.key).toBe('web.unknown_command');
    expect((await route(commands, ctx(), upload('/imaginary a fox'))).text[0]?.key).toBe(
      'web.unknown_command',
    );
    expect((await route(commands, ctx(), upload('/describe what is it'))).text).toEqual([
      { key: 'web.needs_image', params: { command: '/describe' } },
    ]);
    const aspect = await route(commands, ctx(), upload('/settings aspect 16:9'));
    expect(aspect.text[0]?.key).toBe('settings.saved');
    const settings = await route(commands, ctx(), upload('/settings size=768'));
    expect(settings.text.map((line) => line.key)).toEqual([
      'settings.saved',
      'settings.current',
      'settings.how',
    ]);
  });

  it('names the result a line came from (Vary (Region)) as its parent, and only a job id', async () => {
    const source = await route(commands, ctx(), upload('/imagine a harbour'));
    const origin = source.jobId as string;
    const retouch = await route(commands, ctx(), withOrigin('/retouch a flag', origin, ['image', 'mask']));
    expect(jobs.store.get(retouch.jobId ?? '')?.meta.origin).toBe(origin);
    const forged = await route(
      commands,
      ctx(),
      withOrigin('/retouch a flag', '../../etc', ['image', 'mask']),
    );
    expect(jobs.store.get(forged.jobId ?? '')?.meta).not.toHaveProperty('origin');
  });

  it('keeps the line as typed with the job, which the history shows as the user’s line', async () => {
    const line = '/imagine a red fox in the snow --steps 8 --seed 42';
    const user = ctx();
    const reply = await route(commands, user, upload(`  ${line} `));
    expect(jobs.store.get(reply.jobId ?? '')?.meta.typed).toBe(line);
    const entry = (await commands.history(user)).entries.find((e) => e.jobId === reply.jobId);
    expect(entry?.asked.text).toBe(line);
    // Kept on the request's own context, a line naming its origin too (which once made a copy): the server says a
    // language change's answer in the language it set.
    const changing = ctx();
    await route(commands, changing, withOrigin('/settings language ja', reply.jobId ?? ''));
    expect(changing.locale).toBe('ja');
  });
});
