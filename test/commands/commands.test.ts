import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandContext, Commands, type CommandsConfig } from '../../commands/commands.js';
import { MAX_PROMPT_CHARS } from '../../commands/limits.js';
import type { Reply, ReplyButton } from '../../commands/reply.js';
import {
  decodeImage,
  type EngineRequest,
  encodePng,
  type GenerateOptions,
  readPngText,
} from '../../engine/index.js';
import { planExtension } from '../../engine/paint/mask.js';
import { t } from '../../src/i18n.js';
import { type Job, JobQueue, JobStore } from '../../src/jobs/index.js';
import { FullDiskStoreDouble } from '../doubles/full-disk-store.js';
import { greyOfSeed, TimedEngineDouble } from '../doubles/timed-engine.js';

const open: JobQueue[] = [];
afterEach(async () => {
  for (const q of open.splice(0)) await q.stop({ waitMs: 2000 });
});

function setup(
  options: {
    rateLimitPerMinute?: number;
    msPerStep?: number;
    admins?: string[];
    start?: boolean;
    previews?: boolean;
    originalFileButton?: boolean;
    helpKeys?: string[];
    /** A store whose disk can be declared full. */
    fullDiskDouble?: boolean;
    /** DESCRIBE_CACHE. */
    describeCache?: boolean;
    /** The platform shows compact results (PlatformProfile.compactResults). */
    compactResults?: boolean;
    /** No job has run on this device yet, so nothing says how long one takes. */
    paceUnknown?: boolean;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-commands-'));
  const store = options.fullDiskDouble ? new FullDiskStoreDouble(dir) : new JobStore(dir);
  const timed = new TimedEngineDouble(options.msPerStep ?? 2, 3);
  if (!options.paceUnknown) store.setCalibration(timed.info.device, 0.002, 1);
  // Previews as the real engine sends them: a small RGB image with some progress events.
  const engine = options.previews
    ? {
        info: timed.info,
        estimateCost: timed.estimateCost.bind(timed),
        generate: (request: EngineRequest, o: GenerateOptions = {}) =>
          timed.generate(request, {
            ...o,
            onProgress: (p) =>
              o.onProgress?.({ ...p, preview: { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) } }),
          }),
      }
    : timed;
  const queue = new JobQueue({
    store,
    engine,
    admins: options.admins,
    limits: { maxPerUser: 5, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  open.push(queue);
  const config: CommandsConfig = {
    defaultLocale: 'en',
    ...(options.describeCache !== undefined ? { describeCache: options.describeCache } : {}),
    limits: {
      rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
      maxInputBytes: 200_000,
      maxInputPixels: 1_000_000,
      blockedWords: ['gore'],
    },
  };
  let clock = 1_000_000;
  let seed = 100;
  const commands = new Commands({
    queue,
    store,
    config,
    now: () => clock,
    randomSeed: () => seed++,
    platforms: {
      discord: {
        originalFileButton: options.originalFileButton,
        helpKeys: options.helpKeys,
        compactResults: options.compactResults,
      },
    },
  });
  const updates: Array<{ job: Job; reply: Reply }> = [];
  commands.subscribe((u) => updates.push(u));
  if (options.start !== false) queue.start();
  const ctx = (userId: string, language = 'en'): CommandContext =>
    commands.context({ user: { platform: 'discord', userId }, scope: 'guild:1', language });
  const until = (predicate: (u: { job: Job; reply: Reply }) => boolean, timeoutMs = 5000) =>
    new Promise<{ job: Job; reply: Reply }>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const hit = updates.find(predicate);
        if (hit) return resolve(hit);
        if (Date.now() - started > timeoutMs) return reject(new Error('timed out waiting for a job update'));
        setTimeout(poll, 2);
      };
      poll();
    });
  const advance = (ms: number) => {
    clock += ms;
  };
  return { commands, queue, store, engine: timed, ctx, updates, until, advance, dir };
}

const keys = (reply: Reply) => reply.text.map((t) => t.key);
const png = (size = 32) =>
  encodePng({ width: size, height: size, data: new Uint8Array(size * size * 3).fill(90) });

/** A valid PNG header that claims 30000×30000 pixels: must be refused before any decoding. */
/** A PNG header claiming `width × height` over a body no decoder accepts: only a header verdict can name it. */
function pixelBomb(width = 30000, height = 30000): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.alloc(16)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('imagine', () => {
  it('gives no time while no job has run on this device (the placeholder pace could be off by far), then does', async () => {
    const { commands, ctx, until } = setup({ paceUnknown: true });
    const first = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a red fox' } });
    expect(first.text).toEqual([{ key: 'job.queued_unmeasured', params: { count: 0 } }]);
    expect(first.etaAt).toBeUndefined();
    const started = await until((u) => u.job.id === first.jobId && u.job.status === 'running');
    expect(started.reply.text).toEqual([{ key: 'job.running_now' }]);
    expect(started.reply.etaAt).toBeUndefined();
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const second = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a grey fox' } });
    expect(keys(second)).toEqual(['job.queued']);
    expect(second.etaAt).toBeGreaterThan(0);
    expect(t('en', 'job.queued_unmeasured', { count: 2 })).toBe('Queued: 2 jobs ahead of yours.');
  });

  it('/queue lists waiting jobs without a time while no job has run on this device', async () => {
    const { commands, ctx } = setup({ paceUnknown: true, start: false });
    await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a red fox' } });
    const listed = await commands.run(ctx('1'), { name: 'queue', options: {} });
    expect(listed.text[1]).toEqual({
      key: 'queue.mine_queued_unmeasured',
      params: expect.objectContaining({ n: 1, prompt: 'a red fox', count: 0 }),
    });
  });

  it('describes a result image by its prompt, cut between whole characters within 1000', async () => {
    const { commands, ctx, until } = setup();
    const prompt = `ab ${'🦊'.repeat(997)}`;
    const queued = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: `${prompt} --steps 2` },
    });
    const done = await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    const alt = done.reply.images?.[0]?.alt ?? '';
    expect(alt.length).toBeLessThanOrEqual(1000);
    expect(alt.startsWith('ab 🦊')).toBe(true);
    // A lone half of an emoji made the description invalid UTF-16.
    expect(alt).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('answers "queued" at once, then the result PNG with its seed and buttons', async () => {
    const { commands, ctx, until } = setup();
    const queued = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a red fox --ar 16:9 --seed 42 --steps 8' },
    });
    expect(keys(queued)).toEqual(['job.queued']);
    expect(queued.text[0]?.params).toMatchObject({ count: 0 });
    expect(queued.buttons?.[0]?.[0]).toMatchObject({
      id: `cancel:${queued.jobId}`,
      style: 'danger',
      ownerOnly: true,
    });
    expect(queued.etaAt).toBeGreaterThan(1_000_000);
    const done = await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    expect(done.job.request).toMatchObject({
      prompt: 'a red fox',
      width: 688,
      height: 384,
      seed: 42,
      steps: 8,
    });
    expect(keys(done.reply)).toEqual(['job.done']);
    expect(done.reply.text[0]?.params).toMatchObject({ seed: 42 });
    const image = done.reply.images?.[0];
    expect(image).toMatchObject({ filename: 'dimoo-42.png', mime: 'image/png', alt: 'a red fox' });
    expect((await sharp(image?.data).metadata()).width).toBe(688);
    // Row by row, as a chat shows them (five rows, Discord's most).
    expect(done.reply.buttons?.map((row) => row.map((b) => b.id.split(':')[0]))).toEqual([
      ['reroll', 'vary', 'vary_strong', 'vary_region'],
      ['upscale_subtle', 'upscale_creative'],
      ['edit', 'describe', 'zoomout', 'zoomout2', 'zoomcustom'],
      ['pan_left', 'pan_right', 'pan_up', 'pan_down'],
      ['remix', 'square', 'delete'],
    ]);
    const progress = await until((u) => u.job.id === queued.jobId && u.reply.text[0]?.key === 'job.running');
    expect(progress.reply.text[0]?.params).toMatchObject({ total: 3 });
  });

  it('offers the lossless PNG as a file where asked for, and platform lines in help', async () => {
    const { commands, ctx, until, store } = setup({
      originalFileButton: true,
      helpKeys: ['help.telegram.mask'],
    });
    const queued = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a red fox --steps 4' },
    });
    expect(queued.ahead).toBe(0);
    const done = await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    expect(done.reply.buttons?.at(-1)?.map((b) => b.id.split(':')[0])).toEqual([
      'remix',
      'original',
      'delete',
    ]);
    // Anyone may fetch the file, not only the owner.
    const file = await commands.pressButton(ctx('2'), `original:${queued.jobId}`);
    expect(file.asFiles).toBe(true);
    const stored = store.readFile(done.job.id, done.job.result?.file as string);
    expect(Buffer.from(file.images?.[0]?.data ?? []).equals(stored)).toBe(true);
    expect(keys(await commands.run(ctx('1'), { name: 'help' })).at(-1)).toBe('help.telegram.mask');
    const running = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'still waiting --steps 4' },
    });
    expect(keys(await commands.pressButton(ctx('1'), `original:${running.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
  });

  it('a compact result shows its main rows and More ▾, which gives the message every row and Less ▴', async () => {
    const { commands, ctx, until } = setup({ compactResults: true, originalFileButton: true });
    const actions = (rows: ReplyButton[][] | undefined) =>
      rows?.map((row) => row.map((b) => b.id.split(':')[0]));
    const queued = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a red fox --steps 4 --size 256x256' },
    });
    const done = await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    const main = [
      ['reroll', 'vary', 'vary_strong', 'vary_region'],
      ['upscale_subtle', 'upscale_creative'],
    ];
    expect(actions(done.reply.buttons)).toEqual([...main, ['more', 'delete']]);
    // Anyone may open it; the message keeps its picture and text, only its buttons change.
    // In the result's language, whoever presses.
    const more = await commands.pressButton(ctx('2', 'de'), `more:${queued.jobId}`);
    expect(more).toMatchObject({ replaceButtons: true, text: [], locale: 'en' });
    expect(actions(more.buttons)).toEqual([
      ...main,
      ['edit', 'describe', 'zoomout', 'zoomout2', 'zoomcustom'],
      ['pan_left', 'pan_right', 'pan_up', 'pan_down'],
      ['remix', 'original', 'delete'],
      ['less'],
    ]);
    const less = await commands.pressButton(ctx('2'), `less:${queued.jobId}`);
    expect(actions(less.buttons)).toEqual(actions(done.reply.buttons));
    // Where results are never compact, and on a job still running, there is nothing to open.
    const running = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a kite --steps 4' },
    });
    expect(keys(await commands.pressButton(ctx('1'), `more:${running.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
    const full = setup();
    const elsewhere = await full.commands.run(full.ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a fox' },
    });
    const result = await full.until((u) => u.job.id === elsewhere.jobId && u.reply.final === true);
    expect(result.reply.buttons?.flat().some((b) => b.id.startsWith('more:'))).toBe(false);
    expect(keys(await full.commands.pressButton(full.ctx('1'), `more:${elsewhere.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
  });

  it('sends progress previews as small JPEGs, and the final reply always last', async () => {
    const { commands, ctx, until, updates } = setup({ previews: true });
    const queued = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a kite' } });
    await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const mine = updates.filter((u) => u.job.id === queued.jobId).map((u) => u.reply);
    expect(mine.at(-1)?.text[0]?.key).toBe('job.done');
    const previews = mine.filter((r) => r.text[0]?.key === 'job.running');
    expect(previews).toHaveLength(3);
    for (const r of previews)
      expect([r.images?.[0]?.filename, r.images?.[0]?.mime]).toEqual(['preview.jpg', 'image/jpeg']);
    const meta = await sharp(previews[0]?.images?.[0]?.data).metadata();
    // A 64² preview is never enlarged.
    expect([meta.format, meta.width]).toEqual(['jpeg', 64]);
  });

  it('a user who turned previews off gets progress without images; /settings shows the choice', async () => {
    const { commands, ctx, until, updates, store } = setup({ previews: true });
    const unset = await commands.run(ctx('2'), { name: 'settings' });
    expect(unset.text[0]?.params?.previews).toBe('auto (off in Telegram groups)');
    const saved = (await commands.runText(ctx('2'), '/settings previews=off')) as Reply;
    expect(keys(saved)).toEqual(['settings.saved', 'settings.current', 'settings.how']);
    expect(saved.text[1]?.params?.previews).toBe('✗');
    const queued = await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'a kite' } });
    expect(store.get(queued.jobId as string)?.meta.previews).toBe(false);
    await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    const running = updates.filter(
      (u) => u.job.id === queued.jobId && u.reply.text[0]?.key === 'job.running',
    );
    expect(running.length).toBeGreaterThan(0);
    for (const u of running) expect(u.reply.images).toBeUndefined();
    const on = (await commands.runText(ctx('2'), '/settings previews=on')) as Reply;
    expect(on.text[1]?.params?.previews).toBe('✓');
    expect(ctx('2').settings.previews).toBe(true);
  });

  it('refuses bad prompts with one localized key and queues nothing', async () => {
    const { commands, ctx, store } = setup();
    const cases: Array<[string, string]> = [
      ['   ', 'errors.prompt_empty'],
      ['x'.repeat(1001), 'errors.prompt_too_long'],
      ['lots of gore', 'errors.blocked_words'],
      ['a cat --style raw', 'errors.flag.unknown'],
      ['a cat --steps 999', 'errors.flag.range_integer'],
    ];
    for (const [prompt, key] of cases) {
      const reply = await commands.run(ctx('1'), { name: 'imagine', options: { prompt } });
      expect(keys(reply), prompt.slice(0, 20)).toEqual([key]);
      expect(reply.ephemeral).toBe(true);
    }
    expect(
      keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a cat', size: 640 } })),
    ).toEqual(['errors.settings.choice']);
    expect(store.byStatus('queued', 'running', 'done')).toHaveLength(0);
  });

  it("Discord's options win over the prompt's flags: aspect over a typed --size, a size class over its pixels", async () => {
    const { commands, ctx, store } = setup({ start: false });
    const sizeOf = async (options: Record<string, unknown>) => {
      const reply = await commands.run(ctx('1'), { name: 'imagine', options });
      const r = store.get(reply.jobId as string)?.request as { width: number; height: number };
      return [r.width, r.height];
    };
    expect(await sizeOf({ prompt: 'a cat --size 768x512', aspect: '16:9' })).toEqual([688, 384]);
    expect(await sizeOf({ prompt: 'a cat --size 768x512', size: 768 })).toEqual([944, 624]);
    expect(await sizeOf({ prompt: 'a cat --size 768x512' })).toEqual([768, 512]);
  });

  it('takes what to leave out from --no or the `no` option, unchecked for blocked words, into the PNG', async () => {
    const { commands, ctx, until, store } = setup();
    const queued = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a battlefield at dawn --no gore, smoke --seed 5 --steps 4' },
    });
    const done = await until((u) => u.job.id === queued.jobId && u.reply.final === true);
    expect(done.job.request).toMatchObject({
      prompt: 'a battlefield at dawn',
      negativePrompt: 'gore, smoke',
    });
    const file = await commands.jobFile(ctx('1'), done.job.id, done.job.result?.file as string);
    expect(readPngText(file?.data ?? new Uint8Array()).parameters).toMatch(
      /^a battlefield at dawn\nNegative prompt: gore, smoke\nSteps: 4,/,
    );
    // The option wins over the flag; a re-roll keeps it.
    const option = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a field --no cows --steps 4', no: '  fences ' },
    });
    expect(store.get(option.jobId as string)?.request).toMatchObject({ negativePrompt: 'fences' });
    await until((u) => u.job.id === option.jobId && u.reply.final === true);
    const reroll = await commands.pressButton(ctx('1'), `reroll:${option.jobId}`);
    expect(store.get(reroll.jobId as string)?.request).toMatchObject({ negativePrompt: 'fences' });
    // Without one the request has none; a `no` option past the prompt limit is refused before queueing.
    const plain = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a kite' } });
    expect(store.get(plain.jobId as string)?.request).not.toHaveProperty('negativePrompt');
    const long = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a kite', no: 'x'.repeat(MAX_PROMPT_CHARS + 1) },
    });
    expect(keys(long)).toEqual(['errors.prompt_too_long']);
    // Without guidance there is nothing for it to steer by: said, not silently ignored.
    const unguided = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a kite --no birds --cfg 0' },
    });
    expect(unguided.text[0]).toEqual({ key: 'errors.flag.conflict', params: { a: '--no', b: '--cfg 0' } });
  });

  it('takes --cache in /retouch and /outpaint; what a result drawn with ML-Cache makes next is drawn with it', async () => {
    const { commands, ctx, until, store } = setup();
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const retouch = await commands.run(ctx('1'), {
      name: 'retouch',
      options: { image: { data: await png() }, prompt: 'a hat --cache', boxes: 'center' },
    });
    expect(request(retouch)).toMatchObject({ task: 'paint', prompt: 'a hat', cache: true });
    const outpaint = await commands.run(ctx('1'), {
      name: 'outpaint',
      options: { image: { data: await png() }, prompt: 'more sky', direction: 'up' },
    });
    expect(request(outpaint)).not.toHaveProperty('cache');
    const drawn = await commands.run(ctx('2'), {
      name: 'imagine',
      options: { prompt: 'a boat --steps 8 --size 256x256 --cache --no people' },
    });
    await until((u) => u.job.id === drawn.jobId && u.reply.final === true);
    for (const action of ['vary', 'upscale_subtle', 'zoomout', 'pan_left']) {
      const made = await commands.pressButton(ctx('2'), `${action}:${drawn.jobId}`);
      expect(request(made), action).toMatchObject({ task: 'paint', prompt: 'a boat', cache: true });
      expect(request(made), action).toMatchObject({ negativePrompt: 'people' });
    }
    // Custom zoom's line says it; a `..` reply to a retouch keeps it unless it says --no-cache.
    const zoomLine = await commands.pressButton(ctx('2'), `zoomcustom:${drawn.jobId}`);
    expect(zoomLine.ask?.value).toMatch(/^a boat --steps 8 --cache --no people --zoom 2$/);
    const regionLine = await commands.pressButton(ctx('2'), `vary_region:${drawn.jobId}`);
    expect(regionLine.ask?.value).toBe('a boat --steps 8 --cache --no people --box center');
    const region = await commands.answerAsk(
      ctx('2'),
      'region_line',
      drawn.jobId as string,
      regionLine.ask?.value ?? '',
    );
    expect(request(region)).toMatchObject({ task: 'paint', cache: true, negativePrompt: 'people' });
    await until((u) => u.job.id === retouch.jobId && u.reply.final === true);
    const again = await commands.replyToResult(ctx('1'), retouch.jobId as string, '.. --steps 12');
    expect(request(again)).toMatchObject({ task: 'paint', steps: 12, cache: true });
    const plain = await commands.replyToResult(ctx('1'), retouch.jobId as string, '.. --no-cache');
    expect(request(plain)).toMatchObject({ task: 'paint', cache: false });
    // Too few steps for ML-Cache's refresh interval: refused at once, in the user's words, by every way of asking.
    const refusal = { key: 'errors.flag.cache_steps', params: { min: 8, steps: 4 } };
    const short = await commands.run(ctx('3'), {
      name: 'imagine',
      options: { prompt: 'a fox --cache --steps 4' },
    });
    expect(short.text[0]).toEqual(refusal);
    const shortRetouch = await commands.run(ctx('3'), {
      name: 'retouch',
      options: { image: { data: await png() }, prompt: 'a hat --steps 4 --cache', boxes: 'top' },
    });
    expect(shortRetouch.text[0]).toEqual(refusal);
    expect((await commands.replyToResult(ctx('1'), retouch.jobId as string, '.. --steps 4')).text[0]).toEqual(
      refusal,
    );
    expect(store.recentOf({ platform: 'discord', userId: '3' }, 5)).toHaveLength(0);
  });

  it('takes --no in /retouch and /outpaint and keeps it when zooming out or panning; /edit refuses it', async () => {
    const { commands, ctx, until, store } = setup();
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const retouch = await commands.run(ctx('1'), {
      name: 'retouch',
      options: { image: { data: await png() }, prompt: 'a hat --no feathers', boxes: '0.1,0.1,0.5,0.5' },
    });
    expect(request(retouch)).toMatchObject({ task: 'paint', prompt: 'a hat', negativePrompt: 'feathers' });
    const outpaint = await commands.run(ctx('2'), {
      name: 'outpaint',
      options: { image: { data: await png() }, prompt: 'more sky --no birds', direction: 'up' },
    });
    expect(request(outpaint)).toMatchObject({ prompt: 'more sky', negativePrompt: 'birds' });
    // Both a zoom and a side: the refusal names Discord's slash options, and the flags of a typed line.
    const both = { image: { data: await png() }, prompt: 'more sky', zoom: 2, direction: 'up' };
    const onDiscord = await commands.run(ctx('2'), { name: 'outpaint', options: both });
    expect(onDiscord.text[0]).toEqual({ key: 'errors.flag.conflict', params: { a: 'zoom', b: 'direction' } });
    const typed = commands.context({
      user: { platform: 'telegram', userId: '2' },
      scope: 'chat:2',
      language: 'en',
    });
    const onTelegram = await commands.runText(typed, '/outpaint --zoom 2 --pan up more sky', [
      { data: await png() },
    ]);
    expect(onTelegram?.text[0]).toEqual({ key: 'errors.flag.conflict', params: { a: '--zoom', b: '--pan' } });
    // Discord's option may hold flag-like words: the zoom-out types them back without dashes.
    const drawn = await commands.run(ctx('3'), {
      name: 'imagine',
      options: { prompt: 'a boat --steps 4', no: 'people --ar' },
    });
    await until((u) => u.job.id === drawn.jobId && u.reply.final === true);
    const zoom = await commands.pressButton(ctx('3'), `zoomout:${drawn.jobId}`);
    expect(request(zoom)).toMatchObject({ task: 'paint', prompt: 'a boat', negativePrompt: 'people ar' });
    const panned = await commands.pressButton(ctx('3'), `pan_up:${drawn.jobId}`);
    expect(request(panned)).toMatchObject({
      task: 'paint',
      prompt: 'a boat',
      negativePrompt: 'people ar',
      region: { kind: 'extend', left: 0, top: 0.5, right: 0, bottom: 0 },
    });
    expect(store.get(panned.jobId as string)?.meta.origin).toBe(drawn.jobId);
    // A square result has no Make square; a wide one grows its short sides to a square canvas.
    const drawnDone = await until((u) => u.job.id === drawn.jobId && u.reply.final === true);
    expect(drawnDone.reply.buttons?.flat().map((b) => b.id.split(':')[0])).not.toContain('square');
    expect(keys(await commands.pressButton(ctx('3'), `square:${drawn.jobId}`))).toEqual([
      'errors.outpaint.already_square',
    ]);
    const wide = await commands.run(ctx('3'), { name: 'imagine', options: { prompt: 'a pier --ar 16:9' } });
    const wideDone = await until((u) => u.job.id === wide.jobId && u.reply.final === true);
    expect(wideDone.reply.buttons?.map((row) => row.map((b) => b.id.split(':')[0]))).toEqual([
      ['reroll', 'vary', 'vary_strong', 'vary_region'],
      ['upscale_subtle', 'upscale_creative'],
      ['edit', 'describe', 'zoomout', 'zoomout2', 'zoomcustom'],
      ['pan_left', 'pan_right', 'pan_up', 'pan_down'],
      ['remix', 'square', 'delete'],
    ]);
    const squared = await commands.pressButton(ctx('3'), `square:${wide.jobId}`);
    const region = request(squared) as {
      region: { left: number; top: number; right: number; bottom: number };
    };
    expect(region).toMatchObject({ task: 'paint', prompt: 'a pier' });
    // 688×384 is 43×24 cells: 19 more rows, 9 above and 10 below, on the engine's canvas a 688² square.
    const plan = planExtension({ width: 688, height: 384 }, region.region);
    expect(plan.canvas).toEqual({ width: 688, height: 688 });
    expect(plan.place).toMatchObject({ left: 0, top: 144 });
    const edit = await commands.run(ctx('4'), {
      name: 'edit',
      options: { image: { data: await png() }, instruction: 'make it red --no blue' },
    });
    expect(edit.text[0]).toEqual({ key: 'errors.edit.flag_not_here', params: { flag: '--no' } });
  });

  it('fails only the job whose run fails, with the reason in the job’s language', async () => {
    const { commands, ctx, until } = setup();
    const bad = await commands.run(ctx('1', 'zh-CN'), { name: 'imagine', options: { prompt: 'boom' } });
    const failed = await until((u) => u.job.id === bad.jobId && u.reply.final === true);
    expect(keys(failed.reply)).toEqual(['job.failed']);
    const line = failed.reply.text[0];
    expect(line && t('zh-CN', line.key, line.params)).toMatch(/模型/);
    const good = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'fine' } });
    expect(keys((await until((u) => u.job.id === good.jobId && u.reply.final === true)).reply)).toEqual([
      'job.done',
    ]);
  });
});

describe('image inputs', () => {
  it('refuses oversized bytes, corrupt images and pixel bombs before queueing', async () => {
    const { commands, ctx, store } = setup();
    const big = new Uint8Array(200_001);
    expect(
      keys(
        await commands.run(ctx('1'), { name: 'edit', options: { image: { data: big }, instruction: 'x' } }),
      ),
    ).toEqual(['errors.input.too_large']);
    const corrupt = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
    expect(
      keys(await commands.run(ctx('1'), { name: 'describe', options: { image: { data: corrupt } } })),
    ).toEqual(['errors.engine.image_invalid']);
    const bomb = await commands.run(ctx('1'), {
      name: 'retouch',
      options: {
        image: { data: pixelBomb() },
        prompt: 'x',
        boxes: '0,0,1,1',
      },
    });
    expect(keys(bomb)).toEqual(['errors.engine.image_too_large']);
    expect(store.byStatus('queued', 'running', 'done', 'failed')).toHaveLength(0);
  });

  it('refuses strips, tiny images and SVG before decode, each with its own reason', async () => {
    const { commands, ctx, store } = setup();
    // The bodies are not decodable: a decoder would have answered image_invalid, so these verdicts come from
    // the header alone.
    const answer = async (data: Uint8Array) =>
      (await commands.run(ctx('1'), { name: 'edit', options: { image: { data }, instruction: 'x' } }))
        .text?.[0];
    expect(await answer(pixelBomb(4000, 1))).toEqual({
      key: 'errors.engine.image_too_small',
      params: { size: '4000×1', min: 8 },
    });
    expect((await answer(pixelBomb(1, 4000)))?.key).toBe('errors.engine.image_too_small');
    expect(await answer(pixelBomb(4000, 40))).toEqual({
      key: 'errors.engine.image_aspect',
      params: { size: '4000×40', narrowest: '1:8', widest: '8:1' },
    });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>');
    expect((await answer(svg))?.key).toBe('errors.engine.image_unsupported');
    expect((await answer(new Uint8Array(0)))?.key).toBe('errors.engine.image_empty');
    expect(store.byStatus('queued', 'running', 'done', 'failed')).toHaveLength(0);
  });

  it('runs edit, describe, retouch (mask) and outpaint with the original bytes stored', async () => {
    const { commands, ctx, until, store } = setup();
    const jpeg = new Uint8Array(
      await sharp(await png())
        .jpeg()
        .toBuffer(),
    );
    const edit = await commands.run(ctx('1'), {
      name: 'edit',
      options: {
        image: { data: jpeg },
        instruction: 'make it blue --seed 5',
      },
    });
    const editJob = store.get(edit.jobId as string);
    expect(editJob?.request).toMatchObject({
      task: 'image_to_image',
      editType: 'edit_replace',
      prompt: 'make it blue',
    });
    expect([...store.readFile(edit.jobId as string, 'input.jpg')]).toEqual([...jpeg]);
    const describe = await commands.run(ctx('2'), {
      name: 'describe',
      options: { image: { data: await png() }, question: 'what?' },
    });
    const retouch = await commands.run(ctx('3'), {
      name: 'retouch',
      options: {
        image: { data: await png() },
        prompt: 'a hat',
        // White: a mask that marks nothing (the grey picture itself) is refused when sent.
        mask: {
          data: await encodePng({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(255) }),
        },
      },
    });
    expect(store.get(retouch.jobId as string)?.request).toMatchObject({
      region: { kind: 'mask', mask: { file: 'mask.png' } },
    });
    const outpaint = await commands.run(ctx('4'), {
      name: 'outpaint',
      options: {
        image: { data: await png() },
        prompt: 'more sky',
        direction: 'up',
      },
    });
    for (const reply of [edit, describe, retouch, outpaint]) {
      expect(
        keys((await until((u) => u.job.id === reply.jobId && u.reply.final === true)).reply),
      ).not.toEqual(['job.failed']);
    }
    const answer = await until((u) => u.job.id === describe.jobId && u.reply.final === true);
    expect(answer.reply.text).toEqual([{ key: 'job.answer', params: { text: 'a test answer' } }]);
    expect(
      keys(
        await commands.run(ctx('1'), {
          name: 'edit',
          options: {
            image: { data: await png() },
            instruction: 'x',
            type: 'image_ref_transfer',
          },
        }),
      ),
    ).toEqual(['errors.edit.reference_missing']);
    expect(
      keys(
        await commands.run(ctx('1'), {
          name: 'retouch',
          options: { image: { data: await png() }, prompt: 'x' },
        }),
      ),
    ).toEqual(['errors.retouch.region_missing']);
  });
});

describe('text and reply flows', () => {
  it('runs typed commands with their images, and tells a question from an edit in a reply', async () => {
    const { commands, ctx, store } = setup({ start: false });
    const image = { data: await png() };
    const imagine = await commands.runText(ctx('1'), '/draw@dimoobot a fox --seed 9', [], 'dimoobot');
    expect(store.get(imagine?.jobId as string)?.request).toMatchObject({ prompt: 'a fox', seed: 9 });
    expect(await commands.runText(ctx('1'), 'just chatting')).toBeUndefined();
    expect(keys((await commands.runText(ctx('1'), '/edit make it blue')) as Reply)).toEqual([
      'errors.input.image_missing',
    ]);
    const retouch = await commands.runText(ctx('2'), '/retouch 0,0,0.5,0.5 a hat', [image]);
    expect(store.get(retouch?.jobId as string)?.request).toMatchObject({
      region: { kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.5, h: 0.5 }] },
      prompt: 'a hat',
    });
    const outpaint = await commands.runText(ctx('3'), '/outpaint 2x more sky', [image]);
    expect(store.get(outpaint?.jobId as string)?.request).toMatchObject({
      region: { kind: 'extend', left: 0.5 },
    });
    const settings = (await commands.runText(ctx('4'), '/settings size=768 private=on')) as Reply;
    expect(keys(settings)).toEqual(['settings.saved', 'settings.current', 'settings.how']);
    expect(settings.text[1]?.params).toMatchObject({ size: 768, language: 'English', private: '✓' });
    expect(keys((await commands.runText(ctx('4'), '/settings colour=red')) as Reply)).toEqual([
      'errors.settings.unknown',
    ]);
    // A yes/no setting given another word is refused and left as it was (German "ja" is no "off").
    expect(((await commands.runText(ctx('4'), '/settings private ja')) as Reply).text).toEqual([
      { key: 'errors.settings.choice', params: { option: 'private', value: 'ja', choices: 'on, off' } },
    ]);
    const kept = (await commands.runText(ctx('4'), '/settings')) as Reply;
    expect(kept.text.find((l) => l.key === 'settings.current')?.params).toMatchObject({ private: '✓' });
    expect(keys((await commands.runText(ctx('4'), '/start')) as Reply)).toContain('help.text');
    const question = await commands.replyToImage(ctx('5'), { image, text: '图里有什么？' });
    expect(store.get(question.jobId as string)?.request).toMatchObject({
      task: 'understand',
      question: '图里有什么？',
    });
    const edit = await commands.replyToImage(ctx('6'), { image, text: 'add a moon' });
    expect(store.get(edit.jobId as string)?.request).toMatchObject({
      task: 'image_to_image',
      prompt: 'add a moon',
    });
    expect(store.get(question.jobId as string)?.request).not.toHaveProperty('cache');
  });

  it('describes with the block cache when DESCRIBE_CACHE is on, by every way of asking', async () => {
    const { commands, ctx, store } = setup({ describeCache: true });
    const image = { data: await png() };
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const asked = await commands.replyToImage(ctx('1'), { image, text: 'what is this?' });
    expect(request(asked)).toMatchObject({ task: 'understand', question: 'what is this?', cache: true });
    const plain = await commands.runText(ctx('2'), '/describe', [image]);
    expect(request(plain as Reply)).toMatchObject({ task: 'understand', cache: true });
    const off = setup({ describeCache: false });
    const uncached = await off.commands.replyToImage(off.ctx('1'), { image, text: 'what is this?' });
    expect(off.store.get(uncached.jobId as string)?.request).not.toHaveProperty('cache');
  });
});

describe('buttons', () => {
  it('re-roll keeps the prompt and shape and changes the seed; the new job is the presser’s', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a lighthouse --ar 2:3 --seed 7 --cfg 3' },
    });
    const done = await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const rerollId = done.reply.buttons?.[0]?.[0]?.id as string;
    const again = await commands.pressButton(ctx('2'), rerollId);
    expect(keys(again)).toEqual(['job.queued']);
    const job = store.get(again.jobId as string) as Job;
    const original = store.get(first.jobId as string) as Job;
    expect(job.request).toEqual({ ...original.request, seed: expect.any(Number) });
    expect(job.request.seed).not.toBe(7);
    expect(job.owner).toEqual({ platform: 'discord', userId: '2' });
    expect(job.meta.origin).toBe(first.jobId);
    // Vary redraws a share of the result's cells with its prompt and settings: subtle a little, strong more.
    const vary = await commands.pressButton(ctx('1'), `vary:${first.jobId}`);
    const varied = store.get(vary.jobId as string) as Job;
    expect(varied).toMatchObject({ kind: 'paint', meta: { origin: first.jobId, paint: 'vary' } });
    expect(varied.request).toEqual({
      task: 'paint',
      prompt: 'a lighthouse',
      image: { file: 'input.png' },
      region: { kind: 'scatter', share: 0.3 },
      seed: expect.any(Number),
      cfg: 3,
    });
    expect(store.readFile(varied.id, 'input.png').equals(store.readFile(original.id, 'result.png'))).toBe(
      true,
    );
    const strong = await commands.pressButton(ctx('1'), `vary_strong:${first.jobId}`);
    expect(store.get(strong.jobId as string)?.request).toMatchObject({
      region: { kind: 'scatter', share: 0.6 },
    });
  });

  it('Upscale redraws a share of the result scaled up to the largest size; a result at that size has none', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a harbour --ar 3:2 --seed 7 --cfg 3 --no gulls' },
    });
    const done = await until((u) => u.job.id === first.jobId && u.reply.final === true);
    expect(
      done.reply.buttons?.slice(0, 2).map((row) => row.map((b) => [b.id.split(':')[0], b.labelKey])),
    ).toEqual([
      [
        ['reroll', 'button.reroll'],
        ['vary', 'button.vary_subtle'],
        ['vary_strong', 'button.vary_strong'],
        ['vary_region', 'button.vary_region'],
      ],
      [
        ['upscale_subtle', 'button.upscale_subtle'],
        ['upscale_creative', 'button.upscale_creative'],
      ],
    ]);
    const subtle = await commands.pressButton(ctx('2'), `upscale_subtle:${first.jobId}`);
    expect(keys(subtle)).toEqual(['job.queued']);
    const upscaled = store.get(subtle.jobId as string) as Job;
    expect(upscaled).toMatchObject({
      kind: 'paint',
      owner: { platform: 'discord', userId: '2' },
      meta: { origin: first.jobId, paint: 'upscale' },
    });
    expect(upscaled.request).toEqual({
      task: 'paint',
      prompt: 'a harbour',
      image: { file: 'input.png' },
      region: { kind: 'scatter', share: 0.25 },
      seed: expect.any(Number),
      cfg: 3,
      negativePrompt: 'gulls',
    });
    expect(upscaled.request.seed).not.toBe(7);
    // 3:2 at the 512 class is 624×416: its long side goes to 1024, the short one to whole cells of the same shape.
    expect((store.get(first.jobId as string) as Job).result).toMatchObject({ width: 624, height: 416 });
    const input = await sharp(store.readFile(upscaled.id, 'input.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([input.info.width, input.info.height]).toEqual([1024, 688]);
    // The scaled picture is the result's own: its flat grey stays that grey.
    const original = await sharp(store.readFile(first.jobId as string, 'result.png'))
      .raw()
      .toBuffer();
    expect(input.data[0]).toBe(original[0]);
    const creative = await commands.pressButton(ctx('1'), `upscale_creative:${first.jobId}`);
    expect(store.get(creative.jobId as string)?.request).toMatchObject({
      region: { kind: 'scatter', share: 0.5 },
    });
    // The upscaled result is at the largest size: no Upscale under it, and the button's id is refused.
    const big = await until((u) => u.job.id === subtle.jobId && u.reply.final === true);
    expect(big.job.result).toMatchObject({ width: 1024, height: 688 });
    const ids = big.reply.buttons?.flat().map((b) => b.id.split(':')[0]);
    expect(ids).toContain('vary');
    expect(ids).not.toContain('upscale_subtle');
    const again = await commands.pressButton(ctx('2'), `upscale_subtle:${subtle.jobId}`);
    expect(again.text).toEqual([{ key: 'errors.upscale.largest', params: { max: 1024 } }]);
    // A grid asks for one of its images first; an /edit's result has no prompt to redraw it with.
    const grid = await commands.run(ctx('3'), { name: 'imagine', options: { prompt: 'a kite --n 2' } });
    const gridDone = await until((u) => u.job.id === grid.jobId && u.reply.final === true);
    expect(gridDone.reply.buttons?.flat().map((b) => b.id.split(':')[0])).not.toContain('upscale_subtle');
    expect(keys(await commands.pressButton(ctx('3'), `upscale_subtle:${grid.jobId}`))).toEqual([
      'errors.grid.pick_first',
    ]);
    const picked = await commands.pressButton(ctx('3'), `pick_2:${grid.jobId}`);
    expect(picked.buttons?.[1]?.map((b) => b.id.split(':')[0])).toContain('upscale_creative');
    // Taken again (a second tab): the same result, not a second copy of it; another user's take is their own.
    const takes = () =>
      store.recentOf({ platform: 'discord', userId: '3' }, 20).filter((j) => j.meta.pick === 2);
    expect((await commands.pressButton(ctx('3'), `pick_2:${grid.jobId}`)).jobId).toBe(picked.jobId);
    expect(takes()).toHaveLength(1);
    const theirs = await commands.pressButton(ctx('5'), `pick_2:${grid.jobId}`);
    expect(theirs.jobId).not.toBe(picked.jobId);
    const edit = await commands.run(ctx('4'), {
      name: 'edit',
      options: { image: { data: await png() }, instruction: 'make it red' },
    });
    const editDone = await until((u) => u.job.id === edit.jobId && u.reply.final === true);
    expect(editDone.reply.buttons?.flat().map((b) => b.id.split(':')[0])).not.toContain('upscale_subtle');
    expect(keys(await commands.pressButton(ctx('4'), `upscale_creative:${edit.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
    // A result whose file is gone from the data folder (removed by hand) reads as deleted, not a generic failure.
    store.removeFiles(first.jobId as string);
    expect(keys(await commands.pressButton(ctx('1'), `upscale_subtle:${first.jobId}`))).toEqual([
      'errors.job.deleted',
    ]);
  });

  it('Vary (Region) asks for a /retouch line with --box center, and the answer retouches that part of the result', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a \\{quiet\\} harbour --seed 7 --no gulls' },
    });
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const id = first.jobId as string;
    expect(store.get(id)?.request).toMatchObject({ prompt: 'a {quiet} harbour' });
    const asked = await commands.pressButton(ctx('2'), `vary_region:${id}`);
    expect(asked.ask).toEqual({
      kind: 'region_line',
      jobId: id,
      titleKey: 'ask.region.title',
      labelKey: 'ask.region.label',
      // The prompt's braces stay text, as the answer's braces are permutations.
      value: 'a \\{quiet\\} harbour --no gulls --box center',
    });
    const answered = await commands.answerAsk(
      ctx('2'),
      'region_line',
      id,
      'a red sail --box top-left;right --no gulls',
    );
    const job = store.get(answered.jobId as string) as Job;
    expect(job).toMatchObject({
      kind: 'paint',
      owner: { userId: '2' },
      meta: { origin: id, paint: 'retouch' },
    });
    expect(job.request).toMatchObject({
      task: 'paint',
      prompt: 'a red sail',
      negativePrompt: 'gulls',
      region: {
        kind: 'boxes',
        boxes: [
          { x: 0, y: 0, w: 0.5, h: 0.5 },
          { x: 0.5, y: 0, w: 0.5, h: 1 },
        ],
      },
    });
    const input = (job.request as { image: { file: string } }).image.file;
    expect(store.readFile(job.id, input).equals(store.readFile(id, 'result.png'))).toBe(true);
    // Without a region it says how to give one; a name that is none is refused with the names.
    expect(keys(await commands.answerAsk(ctx('2'), 'region_line', id, 'a red sail'))).toEqual([
      'errors.retouch.region_missing',
    ]);
    expect(keys(await commands.answerAsk(ctx('2'), 'region_line', id, 'a red sail --box upper'))).toEqual([
      'errors.retouch.boxes',
    ]);
    // A list of regions typed with spaces, as the question's label shows them.
    const listed = await commands.answerAsk(ctx('2'), 'region_line', id, 'a red sail --box center, top-left');
    expect(store.get(listed.jobId as string)?.request).toMatchObject({
      prompt: 'a red sail',
      region: {
        boxes: [
          { x: 0.25, y: 0.25, w: 0.5, h: 0.5 },
          { x: 0, y: 0, w: 0.5, h: 0.5 },
        ],
      },
    });
    // The region alone keeps the result's prompt and negative prompt, as a factor alone does for Custom zoom; a
    // blank answer is refused.
    const moved = await commands.answerAsk(ctx('2'), 'region_line', id, '--box top-left');
    expect(store.get(moved.jobId as string)?.request).toMatchObject({
      prompt: 'a {quiet} harbour',
      negativePrompt: 'gulls',
      region: { boxes: [{ x: 0, y: 0, w: 0.5, h: 0.5 }] },
    });
    expect(keys(await commands.answerAsk(ctx('2'), 'region_line', id, '   '))).toEqual([
      'errors.prompt_empty',
    ]);
    // A grid's tiled picture is not retouched: one of its images is.
    const grid = await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'a kite --n 2' } });
    await until((u) => u.job.id === grid.jobId && u.reply.final === true);
    expect(keys(await commands.pressButton(ctx('2'), `vary_region:${grid.jobId}`))).toEqual([
      'errors.grid.pick_first',
    ]);
    expect(
      keys(await commands.answerAsk(ctx('2'), 'region_line', grid.jobId as string, 'a hat --box top')),
    ).toEqual(['errors.grid.pick_first']);
    // An /edit's result has no prompt of its picture to offer: no Vary (Region), and its id is refused.
    const edit = await commands.run(ctx('3'), {
      name: 'edit',
      options: { image: { data: await png() }, instruction: 'make it red' },
    });
    const editDone = await until((u) => u.job.id === edit.jobId && u.reply.final === true);
    expect(editDone.reply.buttons?.flat().map((b) => b.id.split(':')[0])).not.toContain('vary_region');
    expect(keys(await commands.pressButton(ctx('3'), `vary_region:${edit.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
  });

  it('an /edit result tries the edit again by its Re-roll alone: no Vary that would run the same job', async () => {
    const { commands, ctx, until, store } = setup();
    const edit = await commands.run(ctx('1'), {
      name: 'edit',
      options: { image: { data: await png() }, instruction: 'make it red' },
    });
    const done = await until((u) => u.job.id === edit.jobId && u.reply.final === true);
    expect(done.reply.buttons?.[0]?.map((b) => [b.id.split(':')[0], b.labelKey])).toEqual([
      ['reroll', 'button.reroll'],
    ]);
    const ids = done.reply.buttons?.flat().map((b) => b.id.split(':')[0]);
    expect(ids).not.toContain('vary');
    expect(ids).not.toContain('vary_strong');
    // Its Re-roll: the edit again, a new seed and nothing else.
    const original = store.get(edit.jobId as string) as Job;
    const again = { ...original.request, seed: expect.any(Number) };
    const rerolled = await commands.pressButton(ctx('1'), `reroll:${edit.jobId}`);
    expect(store.get(rerolled.jobId as string)).toMatchObject({ kind: 'edit', request: again });
    // A Variations on a message posted before is that Re-roll; Vary (Strong) was never offered.
    const vary = await commands.pressButton(ctx('1'), `vary:${edit.jobId}`);
    expect(store.get(vary.jobId as string)?.request).toEqual(again);
    expect(keys(await commands.pressButton(ctx('1'), `vary_strong:${edit.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
  });

  it('cancel: another user is refused, the owner is not, and the job ends as cancelled', async () => {
    const { commands, ctx, until } = setup({ msPerStep: 40 });
    await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'first' } });
    const second = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'second' } });
    const button = second.buttons?.[0]?.[0]?.id as string;
    expect(keys(await commands.pressButton(ctx('2'), button))).toEqual(['job.cancel_refused']);
    expect(keys(await commands.pressButton(ctx('1'), button))).toEqual(['cancel.done']);
    expect(keys((await until((u) => u.job.id === second.jobId && u.reply.final === true)).reply)).toEqual([
      'job.cancelled',
    ]);
    const third = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'third' } });
    expect(
      keys(await commands.run(ctx('1'), { name: 'cancel', options: { job: third.jobId?.slice(0, 8) } })),
    ).toEqual(['cancel.done_named']);
    expect(
      keys(await commands.run(ctx('2'), { name: 'cancel', options: { job: third.jobId?.slice(0, 8) } })),
    ).toEqual(['cancel.unknown_id']);
    // The running job hears its cancel at its next step (40 ms), within the wait of /cancel's answer for its end.
    expect(keys(await commands.run(ctx('1'), { name: 'cancel' }))).toEqual(['cancel.done_named']);
    expect(keys(await commands.pressButton(ctx('1'), 'cancel:not-a-job'))).toEqual(['errors.button.unknown']);
  });

  it('an admin vouched for by the platform (a role) runs at high priority and may cancel and delete others’ jobs', async () => {
    const { commands, ctx, until, store } = setup({ msPerStep: 40 });
    const roleAdmin = commands.context({
      user: { platform: 'discord', userId: '9' },
      scope: 'guild:1',
      admin: true,
    });
    expect(roleAdmin.isAdmin).toBe(true);
    expect(ctx('9').isAdmin).toBe(false);
    const first = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'first' } });
    const second = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'second' } });
    const button = second.buttons?.[0]?.[0]?.id as string;
    expect(keys(await commands.pressButton(ctx('9'), button))).toEqual(['job.cancel_refused']);
    expect(keys(await commands.pressButton(roleAdmin, button))).toEqual(['cancel.done_theirs']);
    const own = await commands.run(roleAdmin, { name: 'imagine', options: { prompt: 'mine' } });
    expect(store.get(own.jobId as string)?.priority).toBe('high');
    expect(store.get(first.jobId as string)?.priority).toBe('normal');
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    expect(keys(await commands.pressButton(ctx('9'), `delete:${first.jobId}`))).toEqual([
      'errors.button.owner_only',
    ]);
    expect((await commands.pressButton(roleAdmin, `delete:${first.jobId}`)).deleteSource).toBe(true);
  });

  it('a reply of .. or flags makes the /imagine again with those changes, keeping the rest and the seed', async () => {
    const { commands, ctx, until, store } = setup();
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a boat --size 512x512 --seed 9 --steps 4 --cfg 3 --no gulls' },
    });
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const id = first.jobId as string;
    const wide = await commands.replyToResult(ctx('2'), id, '.. --ar 16:9 --steps 6');
    expect(request(wide)).toMatchObject({
      task: 'text_to_image',
      prompt: 'a boat',
      seed: 9,
      steps: 6,
      cfg: 3,
      negativePrompt: 'gulls',
      width: 688,
      height: 384,
    });
    expect(store.get(wide.jobId as string)?.meta.origin).toBe(id);
    const renamed = await commands.replyToResult(ctx('2'), id, '..a red canoe —seed 7 --no rocks, fog');
    expect(request(renamed)).toMatchObject({
      prompt: 'a red canoe',
      seed: 7,
      steps: 4,
      width: 512,
      height: 512,
      negativePrompt: 'rocks, fog',
    });
    // Without guidance the old negative prompt is left out; the flag line alone works too.
    const unguided = await commands.replyToResult(ctx('2'), id, '--cfg 0');
    expect(request(unguided)).toMatchObject({ prompt: 'a boat', cfg: 0, seed: 9 });
    expect(request(unguided)).not.toHaveProperty('negativePrompt');
    // Of --ar and --size, the later says the shape.
    const sized = await commands.replyToResult(ctx('2'), id, '.. --ar 16:9 --size 768x512');
    expect(request(sized)).toMatchObject({ width: 768, height: 512, seed: 9 });
    expect((await commands.replyToResult(ctx('2'), id, '.. a gore scene')).text[0]?.key).toBe(
      'errors.blocked_words',
    );
    // Questions still describe, other words still edit.
    expect(request(await commands.replyToResult(ctx('3'), id, 'what is in it?'))).toMatchObject({
      task: 'understand',
    });
    const edit = await commands.replyToResult(ctx('4'), id, '...and make it red');
    expect(request(edit)).toMatchObject({ task: 'image_to_image', prompt: '...and make it red' });
    await until((u) => u.job.id === edit.jobId && u.reply.final === true);
    expect(keys(await commands.replyToResult(ctx('4'), edit.jobId as string, '.. --steps 8'))).toEqual([
      'errors.rerun.imagine_only',
    ]);
  });

  it('an /outpaint result is made again on the same picture and region by .. and by Remix', async () => {
    const { commands, ctx, until, store } = setup();
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const first = await commands.run(ctx('1'), {
      name: 'outpaint',
      options: {
        image: { data: await png() },
        prompt: 'more sky --no birds --seed 3 --steps 4',
        direction: 'up',
      },
    });
    const done = await until((u) => u.job.id === first.jobId && u.reply.final === true);
    expect(done.reply.buttons?.flat().map((b) => b.id.split(':')[0])).toContain('remix');
    const id = first.jobId as string;
    const input = (request(first) as { image: { file: string } }).image.file;
    const region = { kind: 'extend', left: 0, top: 0.5, right: 0, bottom: 0 };
    const again = await commands.replyToResult(ctx('2'), id, '.. --steps 6');
    expect(request(again)).toMatchObject({
      task: 'paint',
      prompt: 'more sky',
      seed: 3,
      steps: 6,
      negativePrompt: 'birds',
      region,
    });
    const copied = store.get(again.jobId as string);
    expect(copied?.meta).toMatchObject({ origin: id, paint: 'outpaint' });
    expect(store.readFile(copied?.id as string, input).equals(store.readFile(id, input))).toBe(true);
    const line = (await commands.pressButton(ctx('2'), `remix:${id}`)).ask?.value;
    expect(line).toBe('more sky --seed 3 --steps 4 --no birds');
    const remixed = await commands.answerAsk(ctx('2'), 'imagine_line', id, 'more clouds --seed 3');
    expect(request(remixed)).toMatchObject({ task: 'paint', prompt: 'more clouds', seed: 3, region });
    expect(request(remixed)).not.toHaveProperty('steps');
    expect(request(remixed)).not.toHaveProperty('negativePrompt');
    // The flags a paint job takes, and the checks of the user's own /outpaint.
    expect(keys(await commands.replyToResult(ctx('2'), id, '.. --ar 16:9'))).toEqual([
      'errors.flag.not_here',
    ]);
    expect(keys(await commands.answerAsk(ctx('2'), 'imagine_line', id, 'gore clouds'))).toEqual([
      'errors.blocked_words',
    ]);
  });

  it('a playground line of .. makes the user’s latest finished /imagine again with the changes', async () => {
    const { commands, ctx, until, store } = setup();
    expect(keys((await commands.runChatLine(ctx('1'), '.. --steps 6')) as Reply)).toEqual([
      'errors.rerun.no_result',
    ]);
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a lighthouse --seed 5' },
    });
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    // A later describe is not an /imagine: the lighthouse is still the one made again.
    const asked = await commands.run(ctx('1'), {
      name: 'describe',
      options: { image: { data: await png() } },
    });
    await until((u) => u.job.id === asked.jobId && u.reply.final === true);
    const again = (await commands.runChatLine(ctx('1'), '.. --ar 16:9', {})) as Reply;
    expect(store.get(again.jobId as string)?.request).toMatchObject({
      prompt: 'a lighthouse',
      seed: 5,
      width: 688,
      height: 384,
    });
    expect(store.get(again.jobId as string)?.meta.origin).toBe(first.jobId);
    // Another user's results are not theirs to re-run.
    expect(keys((await commands.runChatLine(ctx('2'), '.. --steps 6')) as Reply)).toEqual([
      'errors.rerun.no_result',
    ]);
  });

  it('Remix offers the whole /imagine line to change, and runs the changed line as typed', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      // Discord's option may hold flag-like words: the line types them back without dashes.
      options: { prompt: 'a boat --ar 16:9 --seed 9 --steps 4 --cfg 3', no: 'gulls, --fog' },
    });
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const id = first.jobId as string;
    const asked = await commands.pressButton(ctx('2'), `remix:${id}`);
    expect(asked.ask).toEqual({
      kind: 'imagine_line',
      jobId: id,
      titleKey: 'ask.remix.title',
      labelKey: 'ask.remix.label',
      value: 'a boat --size 688x384 --seed 9 --steps 4 --cfg 3 --no gulls, fog',
    });
    // The line as offered makes the same request again.
    const same = await commands.answerAsk(ctx('2'), 'imagine_line', id, asked.ask?.value as string);
    const original = store.get(id)?.request as unknown as Record<string, unknown>;
    const { task, prompt, width, height, seed, steps, cfg, negativePrompt } = original;
    expect(store.get(same.jobId as string)?.request).toMatchObject({
      task,
      prompt,
      width,
      height,
      seed,
      steps,
      cfg,
      negativePrompt: 'gulls, fog',
    });
    expect(negativePrompt).toBe('gulls, --fog');
    // A flag taken out is gone (unlike a `..` reply, which only changes what it names).
    const changed = await commands.answerAsk(
      ctx('2'),
      'imagine_line',
      id,
      'a red boat --size 512x512 --seed 9',
    );
    const request = store.get(changed.jobId as string)?.request;
    expect(request).toMatchObject({ prompt: 'a red boat', width: 512, height: 512, seed: 9 });
    expect(request).not.toHaveProperty('negativePrompt');
    expect(request).not.toHaveProperty('cfg');
    expect(store.get(changed.jobId as string)?.meta.origin).toBe(id);
    // An --ar added to the line, after or before the offered --size, takes its place; a changed --size stays, and
    // then the later of the two wins.
    const square = await commands.answerAsk(ctx('2'), 'imagine_line', id, `${asked.ask?.value} --ar 1:1`);
    expect(store.get(square.jobId as string)?.request).toMatchObject({ width: 512, height: 512, seed: 9 });
    const before = String(asked.ask?.value).replace('a boat ', 'a boat --ar 1:1 ');
    const squareToo = await commands.answerAsk(ctx('2'), 'imagine_line', id, before);
    expect(store.get(squareToo.jobId as string)?.request).toMatchObject({ width: 512, height: 512, seed: 9 });
    const resized = await commands.answerAsk(ctx('2'), 'imagine_line', id, 'a boat --ar 1:1 --size 768x512');
    expect(store.get(resized.jobId as string)?.request).toMatchObject({ width: 768, height: 512 });
    expect(keys(await commands.answerAsk(ctx('2'), 'imagine_line', id, 'a gore boat'))).toEqual([
      'errors.blocked_words',
    ]);
    // The Edit question's answer still edits.
    const edit = await commands.answerAsk(ctx('2'), 'edit_instruction', id, 'add a moon');
    expect(store.get(edit.jobId as string)?.request).toMatchObject({
      task: 'image_to_image',
      prompt: 'add a moon',
    });
    await until((u) => u.job.id === edit.jobId && u.reply.final === true);
    expect(keys(await commands.pressButton(ctx('2'), `remix:${edit.jobId}`))).toEqual([
      'errors.rerun.imagine_only',
    ]);
  });

  it('Imagine this under a describe answer draws the answer at the described picture’s shape', async () => {
    const { commands, ctx, until, store } = setup();
    const wide = await encodePng({ width: 96, height: 64, data: new Uint8Array(96 * 64 * 3).fill(70) });
    const asked = await commands.run(ctx('1'), { name: 'describe', options: { image: { data: wide } } });
    const answered = await until((u) => u.job.id === asked.jobId && u.reply.final === true);
    expect(answered.reply.buttons?.flat().map((b) => b.id.split(':')[0])).toEqual(['imagine', 'delete']);
    const drawn = await commands.pressButton(ctx('2'), `imagine:${asked.jobId}`);
    expect(keys(drawn)).toEqual(['job.queued']);
    // 3:2 at the default 512² class.
    expect(store.get(drawn.jobId as string)?.request).toMatchObject({
      task: 'text_to_image',
      prompt: 'a test answer',
      width: 624,
      height: 416,
    });
    expect(store.get(drawn.jobId as string)?.meta.origin).toBe(asked.jobId);
    expect(keys(await commands.pressButton(ctx('2'), `imagine:${drawn.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
  });

  it('a history page holds as many results as asked, whatever was deleted after them', async () => {
    const { commands, ctx, until } = setup();
    const made: string[] = [];
    for (const prompt of ['first', 'second', 'third']) {
      const job = await commands.run(ctx('11'), { name: 'imagine', options: { prompt } });
      await until((u) => u.job.id === job.jobId && u.reply.final === true);
      made.push(job.jobId as string);
    }
    for (const id of made.slice(1)) await commands.pressButton(ctx('11'), `delete:${id}`);
    const page = await commands.history(ctx('11'), { limit: 1 });
    expect(page.entries.map((e) => e.jobId)).toEqual([made[0]]);
  });

  it('delete is the owner’s; edit asks for an instruction and edits the result', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a boat' } });
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    expect(keys(await commands.pressButton(ctx('2'), `delete:${first.jobId}`))).toEqual([
      'errors.button.owner_only',
    ]);
    expect((await commands.pressButton(ctx('1'), `delete:${first.jobId}`)).deleteSource).toBe(true);
    // Gone from the history a reload shows, and from the playground's `..` (nothing else of 1's to make again).
    expect((await commands.history(ctx('1'))).entries).toEqual([]);
    expect(keys((await commands.runChatLine(ctx('1'), '.. --steps 4')) as Reply)).toEqual([
      'errors.rerun.no_result',
    ]);
    expect(store.get(first.jobId as string)?.status).toBe('done');
    // Its images went with it: a follow-up says so. Edit and zoom work on a result still there.
    expect(keys(await commands.pressButton(ctx('2'), `edit:${first.jobId}`))).toEqual(['errors.job.deleted']);
    const kept = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a boat' } });
    await until((u) => u.job.id === kept.jobId && u.reply.final === true);
    const ask = await commands.pressButton(ctx('2'), `edit:${kept.jobId}`);
    expect(ask.ask).toMatchObject({ kind: 'edit_instruction', jobId: kept.jobId });
    const edit = await commands.editResult(ctx('2'), kept.jobId as string, 'add a moon');
    expect(store.get(edit.jobId as string)?.request).toMatchObject({
      task: 'image_to_image',
      prompt: 'add a moon',
    });
    const zoom = await commands.pressButton(ctx('2'), `zoomout:${kept.jobId}`);
    expect(store.get(zoom.jobId as string)?.request).toMatchObject({
      task: 'paint',
      prompt: 'a boat',
      region: { kind: 'extend', left: 0.25 },
    });
    // Zoom out 2×: the canvas doubles, half an image's width more on each side.
    const zoom2 = await commands.pressButton(ctx('2'), `zoomout2:${kept.jobId}`);
    expect(store.get(zoom2.jobId as string)?.request).toMatchObject({
      region: { kind: 'extend', left: 0.5, top: 0.5, right: 0.5, bottom: 0.5 },
    });
  });
});

describe('limits and settings', () => {
  it('rate-limits submissions per user per minute and says when to retry', async () => {
    const { commands, ctx, advance } = setup({ rateLimitPerMinute: 2, start: false });
    expect(keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a' } }))).toEqual([
      'job.queued',
    ]);
    advance(10_000);
    expect(keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'b' } }))).toEqual([
      'job.queued',
    ]);
    const refused = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'c' } });
    expect(refused.text).toEqual([{ key: 'errors.rate_limited', params: { when: 'in 50 seconds' } }]);
    expect(
      keys(await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'other user' } })),
    ).toEqual(['job.queued']);
    advance(50_000);
    expect(keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'd' } }))).toEqual([
      'job.queued',
    ]);
    const zh = await commands.run(ctx('1', 'zh-CN'), { name: 'imagine', options: { prompt: 'e' } });
    expect(zh.text[0]?.params?.when).toBe('10 秒后');
  });

  it('does not count a submission the queue refused against the rate limit', async () => {
    const { commands, queue, ctx } = setup({ rateLimitPerMinute: 6, start: false });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await commands.run(ctx('1'), { name: 'imagine', options: { prompt: `p${i}` } })).jobId as string,
      );
    const full = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'refused' } });
    expect(keys(full)).toEqual(['errors.queue.user_full']);
    queue.cancel(ids[0] as string, { platform: 'discord', userId: '1' });
    // The sixth counted submission: the refused one gave its slot back.
    expect(keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'p5' } }))).toEqual([
      'job.queued',
    ]);
    expect(keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'p6' } }))).toEqual([
      'errors.rate_limited',
    ]);
  });

  it('lets a request that replaced a waiting job of the same user past the rate limit, once per replaced job', async () => {
    const { commands, queue, ctx } = setup({ rateLimitPerMinute: 2, start: false });
    const first = (await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a cta' } }))
      .jobId as string;
    const other = (await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'x' } }))
      .jobId as string;
    await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'b' } });
    queue.cancel(first, { platform: 'discord', userId: '1' });
    queue.cancel(other, { platform: 'discord', userId: '2' });
    const replacing = (replaces: string[]) =>
      commands.context({
        user: { platform: 'discord', userId: '1' },
        scope: 'guild:1',
        language: 'en',
        meta: { replaces },
      });
    const run = (replaces: string[]) =>
      commands.run(replacing(replaces), { name: 'imagine', options: { prompt: 'a cat' } });
    // Another user's cancelled job, or none waiting and cancelled: the limit holds.
    expect(keys(await run([other]))).toEqual(['errors.rate_limited']);
    expect(keys(await run(['no-such-job']))).toEqual(['errors.rate_limited']);
    expect(keys(await run([first]))).toEqual(['job.queued']);
    // The same replaced job does not let a second request through.
    expect(keys(await run([first]))).toEqual(['errors.rate_limited']);
  });

  it('/prefer saves custom options that --name then puts into a prompt line; shows, lists and deletes them', async () => {
    const { commands, ctx, store, until } = setup();
    const typed = (line: string) => commands.runText(ctx('1'), line) as Promise<Reply>;
    expect(keys(await typed('/prefer'))).toEqual(['prefer.none', 'prefer.how']);
    const saved = await typed('/prefer cine --ar 21:9 --steps 3 film grain');
    expect(saved.text[0]).toEqual({
      key: 'prefer.saved',
      params: { name: 'cine', value: '--ar 21:9 --steps 3 film grain' },
    });
    expect(saved.ephemeral).toBe(true);
    // Saved or shown: no "Make one: /prefer cine …" under it, which would overwrite it (prefer-footer.test.ts).
    expect(keys(saved)).toEqual(['prefer.saved']);
    expect(keys(await typed('/prefer cine'))).toEqual(['prefer.item']);
    // Discord's options deliver the same; a name may come with its dashes.
    await commands.run(ctx('1'), { name: 'prefer', options: { option: '--Colors', value: '{red, blue}' } });
    expect(ctx('1').settings.options).toEqual({
      cine: '--ar 21:9 --steps 3 film grain',
      colors: '{red, blue}',
    });
    const listed = await typed('/prefer');
    expect(listed.text.slice(0, 3)).toEqual([
      { key: 'prefer.list', params: { count: 2, max: 20 } },
      { key: 'prefer.item', params: { name: 'cine', value: '--ar 21:9 --steps 3 film grain' } },
      { key: 'prefer.item', params: { name: 'colors', value: '{red, blue}' } },
    ]);
    expect((await typed('/prefer cine')).text[0]?.key).toBe('prefer.item');

    const drawn = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a harbour --cine --seed 5' },
    });
    const job = store.get(drawn.jobId as string) as Job;
    expect(job.request).toMatchObject({
      prompt: 'a harbour film grain',
      width: 784,
      height: 336,
      steps: 3,
      seed: 5,
    });
    // Its --ar after a typed --size (a Remix line spells one out) says the shape, as a later flag does.
    const remixed = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a harbour --size 512x512 --seed 5 --cine' },
    });
    expect(store.get(remixed.jobId as string)?.request).toMatchObject({ width: 784, height: 336 });
    // A value's braces are permutations of the line.
    const both = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a --colors bird --steps 2' },
    });
    expect([both, ...(both.more ?? [])].map((r) => store.get(r.jobId as string)?.request)).toMatchObject([
      { prompt: 'a red bird' },
      { prompt: 'a blue bird' },
    ]);
    // Another user's options are not this user's.
    expect(
      keys(await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'a fox --cine' } })),
    ).toEqual(['errors.flag.unknown']);
    // A .. reply: the option's flags are changes; its words join the kept prompt unless the reply brings its own.
    await until((u) => u.job.id === drawn.jobId && u.reply.final === true);
    await typed('/prefer dusk at dusk --cfg 2');
    const again = await commands.replyToResult(ctx('1'), drawn.jobId as string, '.. --dusk');
    expect(store.get(again.jobId as string)?.request).toMatchObject({
      prompt: 'a harbour film grain at dusk',
      cfg: 2,
      seed: 5,
    });
    const other = await commands.replyToResult(ctx('1'), drawn.jobId as string, '.. a lighthouse --dusk');
    expect(store.get(other.jobId as string)?.request).toMatchObject({
      prompt: 'a lighthouse at dusk',
      cfg: 2,
    });
    // The option the job was made with: its words are not added twice.
    const same = await commands.replyToResult(ctx('1'), drawn.jobId as string, '.. --cine --steps 2');
    expect(store.get(same.jobId as string)?.request).toMatchObject({
      prompt: 'a harbour film grain',
      steps: 2,
    });

    const deleted = await typed('/prefer cine off');
    expect(deleted.text[0]).toEqual({
      key: 'prefer.deleted',
      params: { name: 'cine', value: '--ar 21:9 --steps 3 film grain' },
    });
    expect(keys(await typed('/prefer cine off'))).toEqual(['errors.prefer.unknown', 'prefer.how']);
    // Other settings are kept through it all.
    await typed('/settings steps 20');
    await typed('/prefer colors off');
    await typed('/prefer dusk off');
    expect(ctx('1').settings).toEqual({ steps: 20 });
  });

  it("suggests /retouch's regions by name, completing the last of a list", async () => {
    const { commands, ctx } = setup({ start: false });
    const values = (typed: string) =>
      commands.suggest(ctx('1'), 'retouch', 'boxes', typed).map((s) => s.value);
    expect(values('')).toEqual([
      'top',
      'bottom',
      'left',
      'right',
      'center',
      'top-left',
      'top-right',
      'bottom-left',
      'bottom-right',
    ]);
    expect(values('TOP')).toEqual(['top', 'top-left', 'top-right']);
    expect(values('center; b')).toEqual(['center; bottom', 'center; bottom-left', 'center; bottom-right']);
    expect(values('left,r')).toEqual(['left,right']);
    // A box of fractions is the user's own: nothing to complete.
    expect(values('0.1,0.1')).toEqual([]);
    expect(values('hat')).toEqual([]);
  });

  it("suggests while typing: /cancel the user's own running and waiting jobs, /prefer their options", async () => {
    const { commands, ctx, queue, until } = setup({ start: false, msPerStep: 40 });
    const queued = async (user: string, prompt: string) =>
      (await commands.run(ctx(user), { name: 'imagine', options: { prompt } })).jobId as string;
    const first = await queued('1', 'a red fox');
    const second = await queued('1', `a ${'very '.repeat(30)}long prompt`);
    await queued('2', 'not yours');
    const labels = (typed: string) => commands.suggest(ctx('1'), 'cancel', 'job', typed);
    expect(labels('')).toEqual([
      { label: `⏳ 1. ${first.slice(0, 8)} · a red fox`, value: first },
      { label: expect.stringMatching(/^⏳ 2\. .*…$/), value: second },
    ]);
    expect(labels('')[1]?.label).toHaveLength(100);
    // By the prompt's words or the id's start.
    expect(labels('FOX').map((s) => s.value)).toEqual([first]);
    expect(labels(second.slice(0, 4)).map((s) => s.value)).toContain(second);
    // A running job comes first.
    queue.start();
    await until((u) => u.job.id === first && u.job.status === 'running');
    expect(labels('')[0]?.label).toBe(`▶️ 1. ${first.slice(0, 8)} · a red fox`);
    expect(labels('')[1]?.label.startsWith('⏳ 2.')).toBe(true);
    expect(commands.suggest(ctx('3'), 'cancel', 'job', '')).toEqual([]);

    await commands.runText(ctx('1'), '/prefer cine --ar 21:9 film grain');
    await commands.runText(ctx('1'), '/prefer gold golden hour');
    expect(commands.suggest(ctx('1'), 'prefer', 'option', '--c')).toEqual([
      { label: '--cine: --ar 21:9 film grain', value: 'cine' },
    ]);
    expect(commands.suggest(ctx('1'), 'prefer', 'option', '').map((s) => s.value)).toEqual(['cine', 'gold']);
    // Options without a source, and unknown commands, offer nothing.
    expect(commands.suggest(ctx('1'), 'prefer', 'value', '')).toEqual([]);
    expect(commands.suggest(ctx('1'), 'nope', 'job', '')).toEqual([]);
  });

  it('/prefer refuses a bad name, a built-in flag, a bad value and a 21st option, saving nothing', async () => {
    const { commands, ctx } = setup({ start: false });
    const refusal = async (line: string) => ((await commands.runText(ctx('1'), line)) as Reply).text[0];
    expect(await refusal('/prefer 2x --ar 1:1')).toMatchObject({
      key: 'errors.prefer.name',
      params: { name: '2x' },
    });
    expect(await refusal('/prefer ar 16:9')).toMatchObject({ key: 'errors.prefer.reserved' });
    // A command's own --word (outpaint's --zoom) could never be typed as an option either.
    expect(await refusal('/prefer zoom --ar 1:1')).toMatchObject({ key: 'errors.prefer.reserved' });
    expect(await refusal('/prefer wide --ar 99:1')).toMatchObject({ key: 'errors.flag.aspect' });
    expect(await refusal('/prefer twice --wide')).toMatchObject({ key: 'errors.flag.unknown' });
    expect(await refusal('/prefer bad gore')).toMatchObject({ key: 'errors.blocked_words' });
    expect(await refusal(`/prefer long ${'x'.repeat(201)}`)).toMatchObject({
      key: 'errors.prefer.value_too_long',
    });
    expect(
      (await commands.run(ctx('1'), { name: 'prefer', options: { value: '--ar 1:1' } })).text[0]?.key,
    ).toBe('errors.prefer.option_missing');
    expect(ctx('1').settings.options).toBeUndefined();
    for (let i = 0; i < 20; i++) await commands.runText(ctx('1'), `/prefer o${i} --steps ${i + 2}`);
    expect(await refusal('/prefer one-more --steps 2')).toMatchObject({
      key: 'errors.prefer.limit',
      params: { max: 20 },
    });
    // Changing one that exists is no new option.
    expect(await refusal('/prefer o3 --steps 9')).toMatchObject({ key: 'prefer.saved' });
    expect(Object.keys(ctx('1').settings.options ?? {})).toHaveLength(20);
  });

  it('persists settings, which then shape jobs, language and privacy', async () => {
    const { commands, ctx, store } = setup({ start: false });
    const saved = await commands.run(ctx('1'), {
      name: 'settings',
      options: {
        size: 768,
        aspect: '16:9',
        steps: 20,
        language: 'zh-CN',
        private: true,
      },
    });
    expect(keys(saved)).toEqual(['settings.saved', 'settings.current']);
    expect(keys(await commands.run(ctx('1'), { name: 'settings', options: { size: 300 } }))).toEqual([
      'errors.settings.choice',
    ]);
    const later = ctx('1', 'en');
    expect(later.locale).toBe('zh-CN');
    expect(later.settings).toEqual({
      size: 768,
      aspect: '16:9',
      steps: 20,
      language: 'zh-CN',
      private: true,
    });
    const reply = await commands.run(later, { name: 'imagine', options: { prompt: 'a city' } });
    expect(reply.ephemeral).toBe(true);
    expect(store.get(reply.jobId as string)?.request).toMatchObject({ width: 1024, height: 576, steps: 20 });
    expect(store.get(reply.jobId as string)?.meta).toMatchObject({ locale: 'zh-CN', private: true });
    const status = await commands.run(later, { name: 'queue' });
    expect(keys(status)).toEqual(['queue.summary', 'queue.mine_queued']);
    expect(status.buttons?.[0]?.[0]?.id).toBe(`queue_cancel:${reply.jobId}`);
    expect(keys(await commands.run(later, { name: 'help' }))).toContain('help.text');
  });

  it('/info counts what the user made (a grid as its images, a taken image not again, answers apart) and their jobs now', async () => {
    const { commands, ctx, until } = setup();
    const done = async (reply: Reply) => until((u) => u.job.id === reply.jobId && u.reply.final === true);
    const lines = async (user = '1') => (await commands.run(ctx(user), { name: 'info' })).text;
    expect(await lines()).toEqual([
      { key: 'info.images', params: { day: 0, week: 0, total: 0, answers: 0 } },
      { key: 'info.time', params: { day: '0 seconds', total: '0 seconds' } },
      { key: 'info.now', params: { running: 0, waiting: 0, queued: 0 } },
    ]);
    const one = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a boat' } });
    await done(one);
    const grid = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a kite --n 3' } });
    await done(grid);
    await commands.pressButton(ctx('1'), `pick_2:${grid.jobId}`);
    const described = await commands.run(ctx('1'), {
      name: 'describe',
      options: {},
      images: { image: { data: await png() } },
    });
    await done(described);
    await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'not mine' } });
    const reply = await commands.run(ctx('1'), { name: 'info' });
    expect(reply.ephemeral).toBe(true);
    // The time windows are the store's (test/jobs/usage.test.ts): all of these finished just now.
    expect(reply.text[0]).toEqual({ key: 'info.images', params: { day: 4, week: 4, total: 4, answers: 1 } });
    expect(reply.text[1]?.params?.total).toMatch(/^\d+ seconds?$/);
    expect(reply.text[2]).toEqual({
      key: 'info.now',
      params: { running: 0, waiting: 0, queued: expect.any(Number) },
    });
  });

  it("/queue names each of the user's jobs by its prompt, numbered, each with its own numbered Cancel", async () => {
    const { commands, ctx, store, until } = setup({ msPerStep: 40 });
    const run = async (user: string, prompt: string) =>
      (await commands.run(ctx(user), { name: 'imagine', options: { prompt } })).jobId as string;
    const first = await run('1', 'a slow lighthouse --steps 40');
    await until((u) => u.job.id === first && u.job.status === 'running');
    const second = await run('1', `a ${'very '.repeat(30)}long harbour`);
    const third = await run('1', 'a kite');
    await run('2', 'not yours');
    const status = await commands.run(ctx('1'), { name: 'queue' });
    expect(status.text.slice(1)).toEqual([
      // Plain, or with its percent once its first 40 ms step ended (queue-progress.test.ts).
      {
        key: expect.stringMatching(/^queue\.mine_running(_progress)?$/),
        params: expect.objectContaining({ n: 1, prompt: 'a slow lighthouse', id: first.slice(0, 8) }),
      },
      {
        key: 'queue.mine_queued',
        // The running job is ahead of each; the other user's job runs before the third (fair share).
        params: expect.objectContaining({ n: 2, prompt: expect.stringMatching(/^a very .*…$/), count: 1 }),
      },
      { key: 'queue.mine_queued', params: expect.objectContaining({ n: 3, prompt: 'a kite', count: 3 }) },
    ]);
    expect(String(status.text[2]?.params?.prompt)).toHaveLength(80);
    expect(status.buttons?.flat().map((b) => [b.id, b.labelKey, b.params?.n])).toEqual([
      [`queue_cancel:${first}`, 'button.cancel_n', 1],
      [`queue_cancel:${second}`, 'button.cancel_n', 2],
      [`queue_cancel:${third}`, 'button.cancel_n', 3],
      [`queue_refresh:${first}`, 'button.refresh', undefined],
    ]);
    // The running one can be cancelled from the list too: the answer waits for its step to end (queue/cancel.ts).
    const stopping = await commands.pressButton(ctx('1'), `queue_cancel:${first}`);
    await until((u) => u.job.id === first && u.job.status === 'cancelled');
    expect(store.get(first)?.status).toBe('cancelled');
    // Each press is answered for the presser, in place of the list pressed on (one carrying the job would be taken
    // as news for the job's message, and dropped once that had ended), a second press too, with the list as it now
    // stands (test/commands/queue-cancel.test.ts); its line names the job, as /cancel's does.
    expect([stopping.text[0], stopping.jobId, stopping.ephemeral]).toEqual([
      { key: 'cancel.done_named', params: { prompt: 'a slow lighthouse', id: first.slice(0, 8) } },
      undefined,
      true,
    ]);
    const waiting = await commands.pressButton(ctx('1'), `queue_cancel:${third}`);
    const again = await commands.pressButton(ctx('1'), `queue_cancel:${third}`);
    for (const [answer, key] of [
      [waiting, 'cancel.done_named'],
      [again, 'cancel.already_cancelled_named'],
    ] as const) {
      expect([answer.text[0], answer.jobId, answer.ephemeral]).toEqual([
        { key, params: { prompt: 'a kite', id: third.slice(0, 8) } },
        undefined,
        true,
      ]);
      expect(answer.buttons?.flat().map((b) => b.id)).toEqual([
        `queue_cancel:${second}`,
        `queue_refresh:${second}`,
      ]);
    }
    expect(store.get(third)?.status).toBe('cancelled');
  });

  it('applies a default negative prompt from /settings no to jobs that give no --no, and not without guidance', async () => {
    const { commands, ctx, store } = setup({ start: false });
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const saved = (await commands.runText(ctx('1'), '/settings no blurry, watermark')) as Reply;
    expect(keys(saved)).toEqual(['settings.saved', 'settings.current', 'settings.how']);
    expect(saved.text[1]?.params).toMatchObject({ no: 'blurry, watermark' });
    expect(ctx('1').settings.negativePrompt).toBe('blurry, watermark');
    const plain = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a city' } });
    expect(request(plain)).toMatchObject({ negativePrompt: 'blurry, watermark' });
    const own = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a city --no cars' } });
    expect(request(own)).toMatchObject({ negativePrompt: 'cars' });
    const unguided = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a city --cfg 0' } });
    expect(keys(unguided)).toEqual(['job.queued']);
    expect(request(unguided)).not.toHaveProperty('negativePrompt');
    const outpaint = await commands.run(ctx('1'), {
      name: 'outpaint',
      options: { image: { data: await png() }, prompt: 'more sky', direction: 'up' },
    });
    expect(request(outpaint)).toMatchObject({ task: 'paint', negativePrompt: 'blurry, watermark' });
    const edit = await commands.run(ctx('1'), {
      name: 'edit',
      options: { image: { data: await png() }, instruction: 'make it red' },
    });
    expect(request(edit)).not.toHaveProperty('negativePrompt');
    // Another user's jobs are untouched; `no` with no words changes nothing and says how; `off` clears it.
    const other = await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'a city' } });
    expect(request(other)).not.toHaveProperty('negativePrompt');
    const blank = (await commands.runText(ctx('1'), '/settings no')) as Reply;
    expect(blank.text.map((line) => line.key).slice(0, 2)).toEqual(['settings.no_blank', 'settings.current']);
    expect(ctx('1').settings.negativePrompt).toBeDefined();
    const cleared = (await commands.runText(ctx('1'), '/settings no off')) as Reply;
    expect(cleared.text[1]?.params).toMatchObject({ no: '✗' });
    expect(ctx('1').settings).not.toHaveProperty('negativePrompt');
    expect(
      keys(await commands.run(ctx('1'), { name: 'settings', options: { no: 'x'.repeat(5000) } })),
    ).toEqual(['errors.prompt_too_long']);
  });

  it('--no none skips the default negative prompt, and a re-run or Remix of such a job keeps it without one', async () => {
    const { commands, ctx, store } = setup({ start: false });
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    await commands.runText(ctx('1'), '/settings no blurry');
    const bare = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a city --no none --cfg 0' },
    });
    expect(keys(bare)).toEqual(['job.queued']);
    const guided = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a city --no None' } });
    expect(request(guided)).not.toHaveProperty('negativePrompt');
    const line = (await commands.pressButton(ctx('1'), `remix:${guided.jobId}`)).ask?.value;
    expect(line).toMatch(/^a city --size 512x512 --seed \d+ --steps 64 --no none$/);
    expect(
      request(await commands.answerAsk(ctx('1'), 'imagine_line', guided.jobId as string, line as string)),
    ).not.toHaveProperty('negativePrompt');
    expect(
      request(await commands.replyToResult(ctx('1'), guided.jobId as string, '.. --steps 8')),
    ).not.toHaveProperty('negativePrompt');
    // A default set since does not change what the job ran with: its steps are spelled out.
    await commands.runText(ctx('1'), '/settings steps 20');
    expect(
      request(await commands.replyToResult(ctx('1'), guided.jobId as string, '.. --seed 8')),
    ).toMatchObject({
      steps: 64,
    });
    // Without the default there is nothing to skip: the line says nothing of it.
    const other = await commands.run(ctx('2'), { name: 'imagine', options: { prompt: 'a town' } });
    expect((await commands.pressButton(ctx('2'), `remix:${other.jobId}`)).ask?.value).not.toContain('--no');
  });

  it('passes queue refusals through as replies', async () => {
    const { commands, ctx } = setup({ start: false });
    for (let i = 0; i < 5; i++)
      await commands.run(ctx('1'), { name: 'imagine', options: { prompt: `p${i}` } });
    const refused = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'one too many' } });
    expect(refused.text).toEqual([{ key: 'errors.queue.user_full', params: { count: 5, limit: 5 } }]);
  });
});

describe('undelivered endings', () => {
  it('are mentioned once at the next reply sent and listed by /queue until fetched; an answer is delivered by the list once sent', async () => {
    const { commands, store, ctx, until } = setup();
    const image = await commands.run(ctx('7'), { name: 'imagine', options: { prompt: 'a lost fox' } });
    const answer = await commands.run(ctx('7'), {
      name: 'describe',
      options: { image: { data: await png() } },
    });
    await until((u) => u.job.id === image.jobId && u.reply.final === true);
    await until((u) => u.job.id === answer.jobId && u.reply.final === true);
    store.deliveries.markUndelivered(image.jobId as string);
    store.deliveries.markUndelivered(answer.jobId as string);
    const next = await commands.run(ctx('7'), { name: 'help' });
    expect(next.text.at(-1)).toEqual({
      key: 'job.undelivered_notice',
      params: { count: 2 },
      tells: [answer.jobId, image.jobId],
    });
    // Told only once a message holding the notice was sent (the adapter says so): a refused one is told again.
    expect(keys(await commands.run(ctx('7'), { name: 'help' }))).toContain('job.undelivered_notice');
    commands.delivered(ctx('8'), next.text);
    expect(keys(await commands.run(ctx('7'), { name: 'help' }))).toContain('job.undelivered_notice');
    commands.delivered(ctx('7'), next.text);
    expect(keys(await commands.run(ctx('7'), { name: 'help' }))).not.toContain('job.undelivered_notice');
    expect(keys(await commands.run(ctx('8'), { name: 'help' }))).not.toContain('job.undelivered_notice');
    const listed = await commands.run(ctx('7'), { name: 'queue' });
    expect(keys(listed).filter((k) => k === 'queue.undelivered')).toHaveLength(2);
    expect(listed.buttons?.flat().map((b) => b.id)).toEqual([`original:${image.jobId}`]);
    // The answer's line delivers it, the image's only tells of it (it waits for its button).
    expect(listed.text.filter((line) => line.key === 'queue.undelivered')).toMatchObject([
      { delivers: answer.jobId },
      { tells: [image.jobId] },
    ]);
    // Not sent (the platform refused it): the answer is listed again.
    const again = await commands.run(ctx('7'), { name: 'queue' });
    expect(keys(again).filter((k) => k === 'queue.undelivered')).toHaveLength(2);
    commands.delivered(ctx('7'), again.text);
    expect(
      keys(await commands.run(ctx('7'), { name: 'queue' })).filter((k) => k === 'queue.undelivered'),
    ).toHaveLength(1);
    expect(listed.buttons?.flat()[0]).toMatchObject({
      labelKey: 'button.original_of',
      params: { id: (image.jobId as string).slice(0, 8) },
    });
    // The file delivers the image only once the adapter sent it: pressed and refused, it is still listed; sent
    // to someone else (an admin's press), it is not the owner's delivery.
    const file = await commands.pressButton(ctx('7'), `original:${image.jobId}`);
    expect(file.delivers).toEqual([image.jobId]);
    expect(keys(await commands.run(ctx('7'), { name: 'queue' }))).toContain('queue.undelivered');
    commands.delivered(ctx('8'), file.text, file.delivers);
    expect(keys(await commands.run(ctx('7'), { name: 'queue' }))).toContain('queue.undelivered');
    commands.delivered(ctx('7'), file.text, file.delivers);
    expect(keys(await commands.run(ctx('7'), { name: 'queue' }))).not.toContain('queue.undelivered');
  });

  it('/queue keeps within Discord’s 25 buttons: an image past them waits for the next /queue', async () => {
    const { commands, store, ctx, until } = setup();
    const made = await commands.run(ctx('9'), { name: 'imagine', options: { prompt: 'a lost fox' } });
    await until((u) => u.job.id === made.jobId && u.reply.final === true);
    const done = store.get(made.jobId as string) as Job;
    // Six of the user's jobs running (six Cancel buttons and Refresh) and twenty images that never arrived.
    const copy = (status: Job['status']) => {
      const job = { ...done, id: store.newId(), seq: store.nextSeq(), status };
      store.insert(job);
      // With its file: a result whose file is gone is listed as lost, without a button.
      if (status === 'done') store.writeFile(job.id, 'result.png', store.readFile(done.id, 'result.png'));
      return job.id;
    };
    for (let i = 0; i < 6; i++) copy('running');
    const lost = Array.from({ length: 20 }, () => copy('done'));
    for (const id of lost) store.deliveries.markUndelivered(id);
    const listed = await commands.run(ctx('9'), { name: 'queue' });
    const buttons = listed.buttons?.flat() ?? [];
    expect(buttons).toHaveLength(25);
    expect(listed.buttons?.every((row) => row.length <= 5)).toBe(true);
    expect(buttons.filter((b) => b.id.startsWith('queue_cancel:'))).toHaveLength(6);
    expect(buttons.filter((b) => b.id.startsWith('queue_refresh:'))).toHaveLength(1);
    expect(keys(listed).filter((k) => k === 'queue.undelivered')).toHaveLength(18);
  });
});

describe('grids (--n: several images to pick from)', () => {
  it('draws one grid job; a number takes its image as a finished result of the presser’s, with every button', async () => {
    const { commands, ctx, until, store, engine } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a boat --n 4 --seed 7 --size 256x256' },
    });
    const grid = store.get(first.jobId as string) as Job;
    expect(grid.request).toMatchObject({ task: 'text_to_image', count: 4, seed: 7 });
    // Priced as the four images it draws.
    expect(grid.estimatedCost).toBeCloseTo(
      4 * engine.estimateCost({ ...grid.request, count: undefined } as EngineRequest),
    );
    const done = await until((u) => u.job.id === grid.id && u.reply.final === true);
    expect(done.reply.text).toEqual([
      { key: 'job.done_grid', params: { secondsMs: expect.any(Number), first: 7, last: 10 } },
    ]);
    const [picks, varies, rest] = done.reply.buttons ?? [];
    expect(picks?.map((b) => [b.id, b.params])).toEqual(
      [1, 2, 3, 4].map((n) => [`pick_${n}:${grid.id}`, { n }]),
    );
    expect(varies?.map((b) => [b.id, b.labelKey])).toEqual(
      [1, 2, 3, 4].map((n) => [`vary_${n}:${grid.id}`, 'button.vary_pick']),
    );
    expect(rest?.map((b) => b.id.split(':')[0])).toEqual(['reroll', 'remix', 'delete']);
    expect(done.reply.context).toMatchObject({ seed: 7, width: 256, height: 256, images: 4 });
    const shown = await decodeImage(done.reply.images?.[0]?.data as Uint8Array, { maxPixels: 1e7 });
    expect(shown.width).toBeGreaterThan(2 * 256);

    const picked = await commands.pressButton(ctx('2'), `pick_3:${grid.id}`);
    expect(picked.text).toEqual([{ key: 'job.picked', params: { n: 3, seed: 9 } }]);
    const image = await decodeImage(picked.images?.[0]?.data as Uint8Array, { maxPixels: 1e7 });
    expect([image.width, image.height, image.data[0]]).toEqual([256, 256, greyOfSeed(9)]);
    const job = store.get(picked.jobId as string) as Job;
    expect(job).toMatchObject({
      status: 'done',
      kind: 'imagine',
      owner: { platform: 'discord', userId: '2' },
      meta: { origin: grid.id, pick: 3 },
      result: { file: 'result.png', seed: 9, width: 256, height: 256 },
    });
    expect(job.request).toEqual({ ...grid.request, seed: 9, count: undefined });
    expect(picked.buttons?.[0]?.[0]?.id).toBe(`reroll:${job.id}`);
    // After a reload (the playground's history) it still says where it came from.
    const [newest] = (await commands.history(ctx('2'))).entries;
    expect([newest?.jobId, newest?.reply.text]).toEqual([job.id, picked.text]);
    // Nothing was drawn again.
    expect(engine.started).toHaveLength(1);
    // V2 varies the second image, not the grid; the grid itself is not varied as one picture.
    const v2 = await commands.pressButton(ctx('1'), `vary_2:${grid.id}`);
    const varied = store.get(v2.jobId as string) as Job;
    expect(varied.request).toMatchObject({ task: 'paint', region: { kind: 'scatter', share: 0.3 } });
    const input = await decodeImage(store.readFile(varied.id, 'input.png'), { maxPixels: 1e7 });
    expect([input.width, input.data[0]]).toEqual([256, greyOfSeed(8)]);
    expect(keys(await commands.pressButton(ctx('1'), `vary:${grid.id}`))).toEqual(['errors.grid.pick_first']);
    // The picked image is a result like any: made again with changes, it is one image.
    const again = await commands.replyToResult(ctx('2'), job.id, '.. --steps 5');
    expect(store.get(again.jobId as string)?.request).toMatchObject({ seed: 9, steps: 5 });
    expect(store.get(again.jobId as string)?.request).not.toHaveProperty('count');
  });

  it('a grid is made again as a grid; an edit or question about it asks for one image first', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a boat', images: 2 } });
    const id = first.jobId as string;
    await until((u) => u.job.id === id && u.reply.final === true);
    const again = await commands.replyToResult(ctx('1'), id, '.. --steps 6');
    expect(store.get(again.jobId as string)?.request).toMatchObject({ count: 2, steps: 6 });
    const single = await commands.replyToResult(ctx('1'), id, '.. --n 1');
    expect(store.get(single.jobId as string)?.request).not.toHaveProperty('count');
    expect((await commands.pressButton(ctx('1'), `remix:${id}`)).ask?.value).toContain('--n 2');
    const reroll = await commands.pressButton(ctx('1'), `reroll:${id}`);
    expect(store.get(reroll.jobId as string)?.request).toMatchObject({ count: 2 });
    expect(keys(await commands.replyToResult(ctx('1'), id, 'make it red'))).toEqual([
      'errors.grid.pick_first',
    ]);
    expect(keys(await commands.replyToResult(ctx('1'), id, 'what is this?'))).toEqual([
      'errors.grid.pick_first',
    ]);
    // Only two images: there is no third to pick, and a single result has none at all.
    expect(keys(await commands.pressButton(ctx('1'), `pick_3:${id}`))).toEqual([
      'errors.button.not_available',
    ]);
    await until((u) => u.job.id === single.jobId && u.reply.final === true);
    expect(keys(await commands.pressButton(ctx('1'), `pick_1:${single.jobId}`))).toEqual([
      'errors.button.not_available',
    ]);
  });

  it('a number pressed while the disk is full says so, leaves no files behind, and works once there is space', async () => {
    const { commands, ctx, until, store, dir } = setup({ fullDiskDouble: true });
    const first = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a boat --n 2' } });
    const id = first.jobId as string;
    await until((u) => u.job.id === id && u.reply.final === true);
    const disk = store as FullDiskStoreDouble;
    const folders = () => readdirSync(join(dir, 'jobs')).sort();
    const before = folders();
    disk.full = true;
    disk.fileWritesLeft = 0;
    expect(keys(await commands.pressButton(ctx('1'), `pick_2:${id}`))).toEqual(['errors.disk_full']);
    expect(folders()).toEqual(before);
    // The database was the one to refuse: the image went down, then nothing may point at it.
    disk.fileWritesLeft = 1;
    expect(keys(await commands.pressButton(ctx('1'), `pick_2:${id}`))).toEqual(['errors.disk_full']);
    expect(folders()).toEqual(before);
    disk.full = false;
    const picked = await commands.pressButton(ctx('1'), `pick_2:${id}`);
    expect(keys(picked)[0]).toBe('job.picked');
    expect(store.get(picked.jobId as string)?.status).toBe('done');
  });

  it('a line with options in braces queues one job per combination, one seed for all, each message naming its line', async () => {
    const { commands, ctx, until, store } = setup();
    const reply = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a {red, blue} bird --ar {1:1, 16:9} --steps 3' },
    });
    const replies = [reply, ...(reply.more ?? [])];
    expect(replies.map((r) => r.startsJob)).toEqual([true, true, true, true]);
    const jobs = replies.map((r) => store.get(r.jobId as string) as Job);
    expect(
      jobs.map((j) => [
        j.request.task === 'text_to_image' && j.request.prompt,
        j.request.task === 'text_to_image' && j.request.width,
      ]),
    ).toEqual([
      ['a red bird', 512],
      ['a red bird', 688],
      ['a blue bird', 512],
      ['a blue bird', 688],
    ]);
    expect(new Set(jobs.map((j) => j.request.seed)).size).toBe(1);
    expect(replies[3]?.text[0]).toEqual({
      key: 'job.permutation',
      params: { n: 4, total: 4, prompt: 'a blue bird --ar 16:9 --steps 3' },
    });
    expect(replies[3]?.text[1]?.key).toBe('job.queued');
    // The finished message still says which line it drew; its re-roll is an ordinary job.
    const done = await until((u) => u.job.id === jobs[1]?.id && u.reply.final === true);
    expect(keys(done.reply)).toEqual(['job.permutation', 'job.done']);
    const reroll = await commands.pressButton(ctx('1'), `reroll:${jobs[1]?.id}`);
    expect(keys(reroll)).toEqual(['job.queued']);
    // A typed seed is kept.
    const seeded = await commands.run(ctx('2'), {
      name: 'imagine',
      options: { prompt: 'a {cat, dog} --seed 7' },
    });
    expect([seeded, ...(seeded.more ?? [])].map((r) => store.get(r.jobId as string)?.request.seed)).toEqual([
      7, 7,
    ]);
  });

  it('braces a job ran with stay text when its line is typed back: Remix, a .. reply, Imagine this', async () => {
    const { commands, ctx, until, store, engine } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a \\{moon\\} boat --steps 2' },
    });
    expect(first.more).toBeUndefined();
    expect(store.get(first.jobId as string)?.request).toMatchObject({ prompt: 'a {moon} boat' });
    await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const line = (await commands.pressButton(ctx('1'), `remix:${first.jobId}`)).ask?.value as string;
    expect(line.startsWith('a \\{moon\\} boat --size')).toBe(true);
    const remixed = await commands.answerAsk(ctx('1'), 'imagine_line', first.jobId as string, line);
    expect(store.get(remixed.jobId as string)?.request).toMatchObject({ prompt: 'a {moon} boat' });
    const again = await commands.replyToResult(ctx('1'), first.jobId as string, '.. --steps 3');
    expect(again.more).toBeUndefined();
    expect(store.get(again.jobId as string)?.request).toMatchObject({ prompt: 'a {moon} boat', steps: 3 });
    // A new prompt typed in the reply is the user's: its braces are permutations.
    const both = await commands.replyToResult(ctx('1'), first.jobId as string, '.. a {red, blue} boat');
    expect(both.more).toHaveLength(1);
    engine.answer = 'a {glass} jar, {on, under} a table';
    const asked = await commands.run(ctx('2'), {
      name: 'describe',
      options: { image: { data: await png() } },
    });
    await until((u) => u.job.id === asked.jobId && u.reply.final === true);
    const drawn = await commands.pressButton(ctx('2'), `imagine:${asked.jobId}`);
    expect(drawn.more).toBeUndefined();
    expect(store.get(drawn.jobId as string)?.request).toMatchObject({
      prompt: 'a {glass} jar, {on, under} a table',
    });
  });

  it('a permutation the queue cannot take whole queues what fits and says why once', async () => {
    const { commands, ctx, store } = setup({ start: false });
    const run = (prompt: string) => commands.run(ctx('1'), { name: 'imagine', options: { prompt } });
    expect((await run('a {red, blue} {owl, crow}')).more).toHaveLength(3);
    // Five may wait per user: one more fits, the next is refused, the third is not tried.
    const partly = await run('a {green, grey, pink} owl');
    expect(partly.startsJob).toBe(true);
    expect(partly.more?.map((r) => [r.startsJob, r.text[0]?.key])).toEqual([
      [undefined, 'errors.queue.user_full'],
    ]);
    expect(store.byStatus('queued')).toHaveLength(5);
    // Refused from the first, it is the one refusal alone.
    const none = await run('a {white, black} owl');
    expect([none.startsJob, none.more, keys(none)]).toEqual([
      undefined,
      undefined,
      ['errors.queue.user_full'],
    ]);
  });

  it('/edit, /retouch and /outpaint take permutations too, each job with the picture; a zoom-out types braces back as text', async () => {
    const { commands, ctx, until, store } = setup();
    const image = { data: await png() };
    const jobsOf = (reply: Reply) =>
      [reply, ...(reply.more ?? [])].map((r) => store.get(r.jobId as string) as Job);
    const edits = jobsOf(
      await commands.run(ctx('1'), { name: 'edit', options: { image, instruction: 'make it {red, blue}' } }),
    );
    expect(edits.map((j) => [j.kind, (j.request as { prompt: string }).prompt])).toEqual([
      ['edit', 'make it red'],
      ['edit', 'make it blue'],
    ]);
    expect(new Set(edits.map((j) => j.request.seed)).size).toBe(1);
    const second = edits[1] as Job;
    const input = (second.request as { image: { file: string } }).image.file;
    expect(store.readFile(second.id, input).length).toBeGreaterThan(0);
    const retouched = jobsOf(
      await commands.run(ctx('2'), {
        name: 'retouch',
        options: { image, prompt: 'a {hat, crown}', boxes: '0,0,0.5,0.5' },
      }),
    );
    expect(retouched.map((j) => [j.meta.paint, (j.request as { prompt: string }).prompt])).toEqual([
      ['retouch', 'a hat'],
      ['retouch', 'a crown'],
    ]);
    const outpainted = jobsOf(
      await commands.run(ctx('3'), {
        name: 'outpaint',
        options: { image, prompt: 'more {sky, sea} --seed 4' },
      }),
    );
    expect(outpainted.map((j) => [(j.request as { prompt: string }).prompt, j.request.seed])).toEqual([
      ['more sky', 4],
      ['more sea', 4],
    ]);
    // A result whose prompt holds braces zooms out as one job with that prompt.
    const literal = await commands.run(ctx('4'), {
      name: 'imagine',
      options: { prompt: 'a \\{x, y\\} sign' },
    });
    await until((u) => u.job.id === literal.jobId && u.reply.final === true);
    const zoomed = await commands.pressButton(ctx('4'), `zoomout:${literal.jobId}`);
    expect(zoomed.more).toBeUndefined();
    expect(store.get(zoomed.jobId as string)?.request).toMatchObject({
      task: 'paint',
      prompt: 'a {x, y} sign',
    });
  });

  it('a .. reply or Remix on a /retouch result expands new braces on the same picture, and keeps its own as text', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'retouch',
      options: { image: { data: await png() }, prompt: 'a \\{hat\\} --seed 5', boxes: '0,0,0.5,0.5' },
    });
    const id = first.jobId as string;
    expect(store.get(id)?.request).toMatchObject({ prompt: 'a {hat}' });
    await until((u) => u.job.id === id && u.reply.final === true);
    const again = await commands.replyToResult(ctx('1'), id, '.. a {red, blue} scarf');
    const jobs = [again, ...(again.more ?? [])].map((r) => store.get(r.jobId as string) as Job);
    expect(jobs.map((j) => [(j.request as { prompt: string }).prompt, j.request.seed, j.meta.paint])).toEqual(
      [
        ['a red scarf', 5, 'retouch'],
        ['a blue scarf', 5, 'retouch'],
      ],
    );
    const second = jobs[1] as Job;
    const input = (second.request as { image: { file: string } }).image.file;
    expect(store.readFile(second.id, input).equals(store.readFile(id, input))).toBe(true);
    // Remix offers its own braces escaped, so the line as offered is the one job again.
    const line = (await commands.pressButton(ctx('1'), `remix:${id}`)).ask?.value as string;
    expect(line.startsWith('a \\{hat\\}')).toBe(true);
    const remixed = await commands.answerAsk(ctx('1'), 'imagine_line', id, line);
    expect(remixed.more).toBeUndefined();
    expect(store.get(remixed.jobId as string)?.request).toMatchObject({ task: 'paint', prompt: 'a {hat}' });
  });

  it('a mistake in any line of a permutation queues none of them', async () => {
    const { commands, ctx, store } = setup();
    const run = async (prompt: string) =>
      keys(await commands.run(ctx('1'), { name: 'imagine', options: { prompt } }));
    expect(await run('a bird --steps {4, 999}')).toEqual(['errors.flag.range_integer']);
    expect(await run('a {red, blue bird')).toEqual(['errors.permutation.braces']);
    expect(await run('{a, b, c} {d, e}')).toEqual(['errors.permutation.limit']);
    expect(store.byStatus('queued', 'running', 'done')).toEqual([]);
  });

  it('/outpaint zooms out by any factor from 1.1 to 2, and refuses one outside with the range', async () => {
    const { commands, ctx, store } = setup();
    const image = { data: await png() };
    const run = (prompt: string) =>
      commands.runText(ctx('1'), `/outpaint ${prompt}`, [image]) as Promise<Reply>;
    const custom = await run('more sky --zoom 1.25');
    expect(store.get(custom.jobId as string)?.request).toMatchObject({
      region: { kind: 'extend', left: 0.125, top: 0.125, right: 0.125, bottom: 0.125 },
    });
    const refused = await run('more sky --zoom 3');
    expect(refused.text[0]).toMatchObject({ key: 'errors.flag.range_number', params: { min: 1.1, max: 2 } });
  });

  it('Custom zoom asks for the prompt and --zoom, and zooms out around the result by the factor given', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a boat --no gulls' } });
    const done = await until((u) => u.job.id === first.jobId && u.reply.final === true);
    const id = first.jobId as string;
    expect(done.reply.buttons?.flat().map((b) => b.id.split(':')[0])).toContain('zoomcustom');
    const asked = await commands.pressButton(ctx('1'), `zoomcustom:${id}`);
    expect(asked.ask).toMatchObject({ kind: 'zoom_line', jobId: id, value: 'a boat --no gulls --zoom 2' });
    const zoomed = await commands.answerAsk(ctx('1'), 'zoom_line', id, 'a boat at sea --no gulls --zoom 1.2');
    const job = store.get(zoomed.jobId as string) as Job;
    expect(job).toMatchObject({ kind: 'paint', meta: { origin: id } });
    expect(job.request).toMatchObject({ task: 'paint', prompt: 'a boat at sea', negativePrompt: 'gulls' });
    const region = (job.request as { region: { left: number; bottom: number } }).region;
    expect([region.left, region.bottom].map((v) => Math.round(v * 1000))).toEqual([100, 100]);
    // A pan typed instead is a pan; a factor outside the range is refused with the range.
    const panned = await commands.answerAsk(ctx('1'), 'zoom_line', id, 'left a boat');
    expect(store.get(panned.jobId as string)?.request).toMatchObject({ region: { left: 0.5, right: 0 } });
    const refused = await commands.answerAsk(ctx('1'), 'zoom_line', id, 'a boat --zoom 4');
    expect(refused.text[0]?.key).toBe('errors.flag.range_number');
    // Nonsense is refused in words too; an empty answer is refused as Remix's is, and a factor alone zooms the
    // result's own prompt (follow-up-blank-answers.test.ts).
    const nonsense = await commands.answerAsk(ctx('1'), 'zoom_line', id, 'a boat --zoom banana');
    expect(nonsense.text[0]).toMatchObject({ key: 'errors.flag.range_number', params: { value: 'banana' } });
    const long = await commands.answerAsk(ctx('1'), 'zoom_line', id, `${'sky '.repeat(400)}--zoom 1.5`);
    expect(keys(long)).toEqual(['errors.prompt_too_long']);
    expect(keys(await commands.answerAsk(ctx('1'), 'zoom_line', id, '   '))).toEqual(['errors.prompt_empty']);
    const factor = await commands.answerAsk(ctx('1'), 'zoom_line', id, '--zoom 1.5');
    expect(store.get(factor.jobId as string)?.request).toMatchObject({
      prompt: 'a boat',
      negativePrompt: 'gulls',
      region: { left: 0.25 },
    });
  });

  it('refuses more than four images, and several at temperature 0 (they would all be one)', async () => {
    const { commands, ctx } = setup();
    const run = (prompt: string) => commands.run(ctx('1'), { name: 'imagine', options: { prompt } });
    expect(keys(await run('a boat --n 5'))).toEqual(['errors.flag.range_integer']);
    expect(keys(await run('a boat --n 2 --temperature 0'))).toEqual(['errors.flag.conflict']);
    expect(keys(await run('a boat --images 2'))).toEqual(['job.queued']);
  });

  it('/settings images 4 makes every /imagine a grid unless --n says otherwise; re-runs stay what they were', async () => {
    const { commands, ctx, until, store } = setup();
    const saved = (await commands.runText(ctx('1'), '/settings images 4')) as Reply;
    expect(saved.text[1]?.params).toMatchObject({ images: 4 });
    const request = (reply: Reply) => store.get(reply.jobId as string)?.request;
    const grid = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a kite' } });
    expect(request(grid)).toMatchObject({ count: 4 });
    const one = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a kite --n 1' } });
    expect(request(one)).not.toHaveProperty('count');
    // At temperature 0 the default is left out, not refused.
    const plain = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a kite --temperature 0' },
    });
    expect(request(plain)).not.toHaveProperty('count');
    await until((u) => u.job.id === one.jobId && u.reply.final === true);
    // A single image made again stays single, though the default is a grid: the line says `--n 1`.
    expect((await commands.pressButton(ctx('1'), `remix:${one.jobId}`)).ask?.value).toContain('--n 1');
    const again = await commands.replyToResult(ctx('1'), one.jobId as string, '.. --steps 5');
    expect(request(again)).not.toHaveProperty('count');
  });

  it('a result drawn at --temperature 0 offers no Re-roll, which would draw the same picture, and refuses an old one', async () => {
    const { commands, ctx, until, store } = setup();
    const exact = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a kite --temperature 0' },
    });
    const done = await until((u) => u.job.id === exact.jobId && u.reply.final === true);
    const actions = done.reply.buttons?.flat().map((b) => b.id.split(':')[0]);
    expect(actions).not.toContain('reroll');
    expect(actions).toContain('vary');
    const queued = store.byStatus('queued', 'running').length;
    expect(keys(await commands.pressButton(ctx('1'), `reroll:${exact.jobId}`))).toEqual([
      'errors.reroll.same_picture',
    ]);
    expect(store.byStatus('queued', 'running')).toHaveLength(queued);
    const noisy = await commands.run(ctx('1'), {
      name: 'imagine',
      options: { prompt: 'a kite --temperature 0.5' },
    });
    const drawn = await until((u) => u.job.id === noisy.jobId && u.reply.final === true);
    expect(drawn.reply.buttons?.flat().map((b) => b.id.split(':')[0])).toContain('reroll');
  });

  it('/outpaint --n 2 draws a grid; a number keeps the picture and region, and makes again like any outpaint', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'outpaint',
      options: { image: { data: await png() }, prompt: 'more sky --n 2 --seed 5', direction: 'up' },
    });
    const grid = store.get(first.jobId as string) as Job;
    expect(grid.request).toMatchObject({ task: 'paint', count: 2, seed: 5, region: { kind: 'extend' } });
    await until((u) => u.job.id === grid.id && u.reply.final === true);
    const picked = await commands.pressButton(ctx('2'), `pick_2:${grid.id}`);
    const job = store.get(picked.jobId as string) as Job;
    expect(job).toMatchObject({ kind: 'paint', meta: { paint: 'outpaint', origin: grid.id } });
    expect(job.request).toEqual({ ...grid.request, seed: 6, count: undefined });
    // The picture it was drawn from came along, so it can be made again.
    const input = (grid.request as { image: { file: string } }).image.file;
    expect(store.readFile(job.id, input).equals(store.readFile(grid.id, input))).toBe(true);
    const again = await commands.replyToResult(ctx('2'), job.id, '.. --steps 5');
    expect(store.get(again.jobId as string)?.request).toMatchObject({ task: 'paint', seed: 6, steps: 5 });
    expect((await commands.pressButton(ctx('1'), `remix:${grid.id}`)).ask?.value).toContain('--n 2');
    // Discord's option says the same as the typed flag.
    const retouched = await commands.run(ctx('3'), {
      name: 'retouch',
      options: { image: { data: await png() }, prompt: 'a hat', boxes: '0,0,0.5,0.5', images: 3 },
    });
    expect(store.get(retouched.jobId as string)?.request).toMatchObject({ task: 'paint', count: 3 });
  });

  it('with /settings images 4, Vary draws four variations, and a zoom-out four extensions', async () => {
    const { commands, ctx, until, store } = setup();
    const one = await commands.run(ctx('1'), { name: 'imagine', options: { prompt: 'a kite' } });
    await until((u) => u.job.id === one.jobId && u.reply.final === true);
    await commands.runText(ctx('1'), '/settings images 4');
    const varied = await commands.pressButton(ctx('1'), `vary:${one.jobId}`);
    expect(store.get(varied.jobId as string)?.request).toMatchObject({ task: 'paint', count: 4 });
    const zoomed = await commands.pressButton(ctx('1'), `zoomout:${one.jobId}`);
    expect(store.get(zoomed.jobId as string)?.request).toMatchObject({ task: 'paint', count: 4 });
  });

  it('/edit --n 2: the best of two edits; a grid of edits has neither V buttons nor Remix, a picked edit its Re-roll', async () => {
    const { commands, ctx, until, store } = setup();
    const first = await commands.run(ctx('1'), {
      name: 'edit',
      options: { image: { data: await png() }, instruction: 'make it red --n 2 --seed 3' },
    });
    const grid = store.get(first.jobId as string) as Job;
    expect(grid.request).toMatchObject({ task: 'image_to_image', count: 2, seed: 3 });
    const done = await until((u) => u.job.id === grid.id && u.reply.final === true);
    expect(done.reply.buttons?.map((row) => row.map((b) => b.id.split(':')[0]))).toEqual([
      ['pick_1', 'pick_2'],
      ['reroll', 'delete'],
    ]);
    const picked = await commands.pressButton(ctx('1'), `pick_1:${grid.id}`);
    const job = store.get(picked.jobId as string) as Job;
    expect(job).toMatchObject({ kind: 'edit', request: { task: 'image_to_image', seed: 3 } });
    expect(picked.buttons?.[0]?.map((b) => b.id.split(':')[0])).toEqual(['reroll']);
    const input = (grid.request as { image: { file: string } }).image.file;
    expect(store.readFile(job.id, input).equals(store.readFile(grid.id, input))).toBe(true);
    // Its Re-roll tries the picked edit again: one image, on the same input.
    const again = await commands.pressButton(ctx('1'), `reroll:${job.id}`);
    const retried = store.get(again.jobId as string) as Job;
    expect(retried.request).toMatchObject({
      task: 'image_to_image',
      prompt: 'make it red',
      seed: expect.any(Number),
    });
    expect(retried.request).not.toHaveProperty('count');
    expect(store.readFile(retried.id, input).equals(store.readFile(grid.id, input))).toBe(true);
  });
});
