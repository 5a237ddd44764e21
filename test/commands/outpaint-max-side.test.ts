// Zoom out, Custom zoom, the pans, Make square and a typed /outpaint never draw past MAX_SIDE: as Midjourney's, a
// source too large for its growth is scaled down first, its shape kept in whole cells, so the result (source and
// border) fits on both sides. A 1024² result zoomed out 2× had painted 2048² (minutes and 12 GB on a CPU, no Upscale).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type CommandContext, Commands, type CommandsConfig } from '../../commands/commands.js';
import { UserInputError } from '../../commands/errors.js';
import { CELL, MAX_SIDE } from '../../commands/limits.js';
import { fitOutpaint, panFits } from '../../commands/outpaint/fit.js';
import { resultButtons } from '../../commands/render.js';
import type { Reply } from '../../commands/reply.js';
import {
  encodePng,
  estimateCost,
  type PaintRegion,
  planPaintRegion,
  readImageHeader,
} from '../../engine/index.js';
import { insertFinishedImage, type Job, JobQueue, JobStore } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

type Size = { width: number; height: number };

/** A picture whose left half is dark and right half light, so a scaled copy can be told from a cropped one. */
function picture({ width, height }: Size): Promise<Uint8Array> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    data
      .fill(40, y * width * 3, (y * width + Math.floor(width / 2)) * 3)
      .fill(220, (y * width + Math.floor(width / 2)) * 3, (y + 1) * width * 3);
  return encodePng({ width, height, data });
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-outpaint-max-side-'));
  const store = new JobStore(dir);
  const engine = new TimedEngineDouble(1, 3);
  const queue = new JobQueue({
    store,
    engine,
    limits: { maxPerUser: 50, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  // Inputs as large as a deployment takes them: a 4000×3000 photo, a 1024² result.
  const config: CommandsConfig = {
    defaultLocale: 'en',
    limits: {
      rateLimitPerMinute: 0,
      maxInputBytes: 20_000_000,
      maxInputPixels: 16_000_000,
      blockedWords: [],
    },
  };
  let seed = 10;
  const commands = new Commands({ queue, store, config, randomSeed: () => seed++ });
  onTestFinished(async () => {
    await queue.stop({ waitMs: 2000 });
    commands.closeUpdates();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ctx = (): CommandContext =>
    commands.context({ user: { platform: 'web', userId: '1' }, scope: 'web:1', language: 'en' });
  /** A finished /imagine of `size`, without the engine. */
  const result = async (size: Size) =>
    insertFinishedImage(
      store,
      {
        owner: { platform: 'web', userId: '1' },
        scope: 'web:1',
        kind: 'imagine',
        request: { task: 'text_to_image', prompt: 'a harbour', ...size, seed: 3 },
      },
      { png: await picture(size), seed: 3, ...size },
      { finishedAt: 1 },
    ).id;
  /** A finished outpaint as an older version stored it: its source, its region, and its result of `size`. */
  const storedOutpaint = async (
    prompt: string,
    region: Extract<PaintRegion, { kind: 'extend' }>,
    source: Size,
    size: Size,
  ) =>
    insertFinishedImage(
      store,
      {
        owner: { platform: 'web', userId: '1' },
        scope: 'web:1',
        kind: 'paint',
        request: { task: 'paint', prompt, image: { file: 'input.png' }, region, seed: 3 },
        files: { 'input.png': await picture(source) },
        meta: { paint: 'outpaint' },
      },
      { png: await picture(size), seed: 3, ...size },
      { finishedAt: 1 },
    ).id;
  /** What the queued outpaint places and paints: its stored source's size, its region and the engine's canvas. */
  const painted = (reply: Reply) => {
    expect(reply.startsJob, JSON.stringify(reply.text)).toBe(true);
    const job = store.get(reply.jobId as string);
    if (job?.request.task !== 'paint') throw new Error(`no paint job: ${JSON.stringify(job?.request)}`);
    const region = job.request.region as Extract<PaintRegion, { kind: 'extend' }>;
    const bytes = store.readFile(job.id, job.request.image.file);
    const header = readImageHeader(bytes);
    const source = { width: header.width, height: header.height };
    const { canvas } = planPaintRegion(region, source, { dilate: 0, seed: 0, cellSize: CELL });
    return { source, region, canvas, job, bytes };
  };
  return { commands, ctx, result, storedOutpaint, painted, store, queue };
}

describe('outpaint within MAX_SIDE', () => {
  it('Zoom out 1.5× and 2× and Custom zoom of a 1024² result paint at most 1024², around a scaled copy', async () => {
    const { commands, ctx, result, painted } = setup();
    const id = await result({ width: 1024, height: 1024 });
    const zoom15 = painted(await commands.pressButton(ctx(), `zoomout:${id}`));
    expect(zoom15.source).toEqual({ width: 672, height: 672 });
    expect(zoom15.canvas).toEqual({ width: 1024, height: 1024 });
    expect(zoom15.region).toMatchObject({ left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 });
    const zoom2 = painted(await commands.pressButton(ctx(), `zoomout2:${id}`));
    expect(zoom2.source).toEqual({ width: 512, height: 512 });
    expect(zoom2.canvas).toEqual({ width: MAX_SIDE, height: MAX_SIDE });
    // Priced (for its ETA) as the 1024² canvas it paints, not as its 512² source.
    const scatter1024 = estimateCost({
      task: 'paint',
      prompt: 'a harbour',
      image: { width: 1024, height: 1024, data: new Uint8Array(0) },
      region: { kind: 'scatter', share: 0.3 },
      seed: 1,
    });
    expect(zoom2.job.estimatedCost).toBeCloseTo(scatter1024);
    // Custom zoom: any factor, typed as a flag or as `1.3x`.
    for (const line of ['a harbour --zoom 1.3', '1.3x']) {
      const custom = painted(await commands.answerAsk(ctx(), 'zoom_line', id, line));
      expect(custom.source, line).toEqual({ width: 784, height: 784 });
      expect(custom.canvas, line).toEqual({ width: 1008, height: 1008 });
    }
  });

  it('each pan of a 1024² result paints within 1024, the source a square in whole cells', async () => {
    const { commands, ctx, result, painted } = setup();
    const id = await result({ width: 1024, height: 1024 });
    const expected = {
      pan_left: { width: 1008, height: 672 },
      pan_right: { width: 1008, height: 672 },
      pan_up: { width: 672, height: 1008 },
      pan_down: { width: 672, height: 1008 },
    };
    for (const [action, canvas] of Object.entries(expected)) {
      const pan = painted(await commands.pressButton(ctx(), `${action}:${id}`));
      expect(pan.source, action).toEqual({ width: 672, height: 672 });
      expect(pan.canvas, action).toEqual(canvas);
    }
  });

  it('a 1024×576 result keeps its shape: zoomed, panned and made square within 1024', async () => {
    const { commands, ctx, result, painted } = setup();
    const id = await result({ width: 1024, height: 576 });
    const cases: Array<[string, Size | undefined, Size]> = [
      ['zoomout', { width: 672, height: 384 }, { width: 1024, height: 576 }],
      ['zoomout2', { width: 512, height: 288 }, { width: 1024, height: 576 }],
      ['pan_left', { width: 672, height: 384 }, { width: 1008, height: 384 }],
      ['pan_right', { width: 672, height: 384 }, { width: 1008, height: 384 }],
      // Growing the short side fits as it is: the result's own bytes go unscaled.
      ['pan_up', undefined, { width: 1024, height: 864 }],
      ['pan_down', undefined, { width: 1024, height: 864 }],
      ['square', undefined, { width: 1024, height: 1024 }],
    ];
    for (const [action, scaled, canvas] of cases) {
      const made = painted(await commands.pressButton(ctx(), `${action}:${id}`));
      expect(made.canvas, action).toEqual(canvas);
      expect(made.source, action).toEqual(scaled ?? { width: 1024, height: 576 });
      if (scaled) expect(Math.abs(scaled.width / scaled.height - 16 / 9), action).toBeLessThan(0.05);
    }
  });

  it('a typed /outpaint of a large upload scales it down: the whole picture, not a crop of it', async () => {
    const { commands, ctx, painted } = setup();
    const upload = await picture({ width: 4000, height: 3000 });
    for (const [line, canvas] of [
      ['/outpaint 2x more sky', { width: 1024, height: 768 }],
      ['/outpaint left more sky', { width: 1008, height: 512 }],
      ['/outpaint square more sky', { width: 1024, height: 1024 }],
    ] as const) {
      const made = painted((await commands.runText(ctx(), line, [{ data: upload }])) as Reply);
      expect(made.canvas, line).toEqual(canvas);
      expect(made.source.width % CELL || made.source.height % CELL, line).toBe(0);
      expect(made.source.width / made.source.height, line).toBeCloseTo(4 / 3, 1);
      // Scaled, both halves are still there: dark on the left, light on the right.
      const { data, info } = await sharp(made.bytes).raw().toBuffer({ resolveWithObject: true });
      const row = Math.floor(info.height / 2) * info.width * info.channels;
      expect(data[row + 4 * info.channels], line).toBeLessThan(80);
      expect(data[row + (info.width - 4) * info.channels], line).toBeGreaterThan(180);
    }
    // A small upload goes as it came, bytes and all.
    const small = await picture({ width: 512, height: 512 });
    const kept = painted(
      (await commands.runText(ctx(), '/outpaint 2x more sky', [{ data: small }])) as Reply,
    );
    expect(kept.canvas).toEqual({ width: 1024, height: 1024 });
    expect([...kept.bytes]).toEqual([...small]);
  });
});

describe('fitOutpaint', () => {
  it('fits every growth of every shape within MAX_SIDE, scaling only what would not fit', () => {
    const shapes = [
      { width: 1024, height: 1024 },
      { width: 1024, height: 576 },
      { width: 576, height: 1024 },
      { width: 1024, height: 256 },
      { width: 1000, height: 1000 },
      { width: 4000, height: 3000 },
    ];
    const growths: Array<[number | undefined, string | undefined]> = [
      [1.1, undefined],
      [1.5, undefined],
      [1.75, undefined],
      [2, undefined],
      ...(['left', 'right', 'up', 'down', 'square'] as const).map(
        (d) => [undefined, d] as [undefined, string],
      ),
    ];
    for (const source of shapes) {
      for (const [zoom, direction] of growths) {
        const name = `${source.width}×${source.height} ${zoom ?? direction}`;
        if (direction === 'square' && source.width === source.height) continue;
        const fitted = fitOutpaint(zoom, direction, source);
        expect(Math.max(fitted.canvas.width, fitted.canvas.height), name).toBeLessThanOrEqual(MAX_SIDE);
        const placed = fitted.scaledTo ?? source;
        // The engine's own plan of the placed source is the canvas reported.
        expect(planPaintRegion(fitted.region, placed, { dilate: 0, seed: 0, cellSize: CELL }).canvas).toEqual(
          fitted.canvas,
        );
        if (!fitted.scaledTo) continue;
        expect(fitted.scaledTo.width % CELL, name).toBe(0);
        expect(fitted.scaledTo.height % CELL, name).toBe(0);
        // Shape kept within half a cell of the short side.
        const short = Math.min(fitted.scaledTo.width, fitted.scaledTo.height);
        const ratio = Math.max(source.width, source.height) / Math.min(source.width, source.height);
        expect(
          Math.abs(Math.max(fitted.scaledTo.width, fitted.scaledTo.height) / ratio - short),
          name,
        ).toBeLessThanOrEqual(CELL / 2);
        // The largest that fits: a cell more on the long side would not.
        expect(Math.max(fitted.canvas.width, fitted.canvas.height), name).toBeGreaterThan(
          MAX_SIDE - 4 * CELL,
        );
      }
    }
  });
});

describe('outpaint of a source under a cell', () => {
  it('a zoom, a pan or Make square of an upload under 16 pixels a side is refused in words, and nothing is queued', async () => {
    const { commands, ctx } = setup();
    for (const [line, size] of [
      ['/outpaint 2x more sky', { width: 12, height: 12 }],
      ['/outpaint left more sky', { width: 64, height: 8 }],
      ['/outpaint square more sky', { width: 20, height: 12 }],
      ['/outpaint square more sky', { width: 31, height: 15 }],
      ['/outpaint square more sky', { width: 40, height: 10 }],
    ] as const) {
      const reply = (await commands.runText(ctx(), line, [{ data: await picture(size) }])) as Reply;
      const name = `${size.width}×${size.height} ${line}`;
      expect(reply.startsJob, name).toBeFalsy();
      expect(reply.text, name).toEqual([
        { key: 'errors.engine.image_too_small', params: { size: `${size.width}×${size.height}`, min: CELL } },
      ]);
    }
  });
});

describe('an outpaint stored before results were kept within MAX_SIDE, made again', () => {
  it('`..`, Remix and Re-roll of an old 1024² zoom 2× scale its source as a new zoom would, and keep its region', async () => {
    const { commands, ctx, painted, storedOutpaint } = setup();
    // As an older version stored it: the 1024² source placed as it came, on a canvas of 2048².
    const region = { kind: 'extend', left: 0.5, top: 0.5, right: 0.5, bottom: 0.5 } as const;
    const old = await storedOutpaint(
      'a harbour',
      region,
      { width: 1024, height: 1024 },
      { width: 2048, height: 2048 },
    );
    const again = [
      painted(await commands.replyToResult(ctx(), old, '.. more sky')),
      painted(await commands.answerAsk(ctx(), 'imagine_line', old, 'a harbour at dusk --seed 4')),
      painted(await commands.pressButton(ctx(), `reroll:${old}`)),
    ];
    for (const made of again) {
      expect(made.region).toEqual(region);
      expect(made.source).toEqual({ width: 512, height: 512 });
      expect(made.canvas).toEqual({ width: MAX_SIDE, height: MAX_SIDE });
    }
    // Scaled, not cropped: dark on the left, light on the right.
    const { data, info } = await sharp(again[0]?.bytes).raw().toBuffer({ resolveWithObject: true });
    const row = Math.floor(info.height / 2) * info.width * info.channels;
    expect(data[row + 4 * info.channels]).toBeLessThan(80);
    expect(data[row + (info.width - 4) * info.channels]).toBeGreaterThan(180);
  });
});

describe('a pan never makes a picture past 8:1', () => {
  it('a long result panned along its length is refused before it runs, and its arrows are not offered', async () => {
    const { commands, ctx, result, painted, store } = setup();
    // 1024×256 panned left: 1008×176 (5.7:1), still a picture every button takes.
    const wide = await result({ width: 1024, height: 256 });
    const panned = painted(await commands.pressButton(ctx(), `pan_left:${wide}`));
    expect(panned.canvas).toEqual({ width: 1008, height: 176 });
    const arrows = (id: string) =>
      resultButtons(store.get(id) as Job)
        .flat()
        .map((b) => b.id.split(':')[0])
        .filter((action) => action?.startsWith('pan_'));
    expect(arrows(wide)).toEqual(['pan_left', 'pan_right', 'pan_up', 'pan_down']);
    // Once more along its length it would be 1008×112 (9:1), which no button could take again.
    const longer = await result({ width: 1008, height: 176 });
    for (const action of ['pan_left', 'pan_right']) {
      const refused = await commands.pressButton(ctx(), `${action}:${longer}`);
      expect(refused.startsJob).toBeUndefined();
      expect(refused.text.map((line) => line.key)).toEqual(['errors.outpaint.too_elongated']);
      expect(refused.text[0]?.params).toMatchObject({ size: '1008×112', max: 8 });
    }
    expect(arrows(longer)).toEqual(['pan_up', 'pan_down']);
    expect(painted(await commands.pressButton(ctx(), `pan_up:${longer}`)).canvas).toEqual({
      width: 1008,
      height: 272,
    });
    expect(() => fitOutpaint(undefined, 'right', { width: 1008, height: 176 })).toThrow(UserInputError);
    // Judged on the result, not the canvas of whole cells: 640×113 panned right paints 960×128 (7.5:1) but its result
    // keeps the 113 rows (960×113, 8.5:1).
    expect(() => fitOutpaint(undefined, 'right', { width: 640, height: 113 })).toThrow(UserInputError);
    expect(() => fitOutpaint(undefined, 'down', { width: 113, height: 640 })).toThrow(UserInputError);
    expect(panFits('right', { width: 640, height: 113 })).toBe(false);
    expect(panFits('up', { width: 640, height: 113 })).toBe(true);
  });

  it('Vary and Upscale of a result past 8:1 (made by an older version) are refused at the press, nothing queued', async () => {
    const { commands, ctx, result, store } = setup();
    const old = await result({ width: 1008, height: 112 });
    const queued = () => store.byStatus('queued', 'running').length;
    for (const action of ['vary', 'vary_strong', 'upscale_subtle']) {
      const refused = await commands.pressButton(ctx(), `${action}:${old}`);
      expect(refused.startsJob, action).toBeUndefined();
      expect(refused.text.map((line) => line.key)).toEqual(['errors.engine.image_aspect']);
    }
    expect(queued()).toBe(0);
  });

  it('Make square of a result past 8:1 (made by an older version) runs: it is the way back to a usable picture', async () => {
    const { commands, ctx, result, painted, store, queue } = setup();
    const old = await result({ width: 1008, height: 112 });
    // One outpaint grows a side by at most twice the source's: as square as that makes it, a second press the rest.
    const squared = painted(await commands.pressButton(ctx(), `square:${old}`));
    expect(squared.source).toEqual({ width: 1008, height: 112 });
    expect(squared.canvas).toEqual({ width: 1008, height: 560 });
    const panned = await result({ width: 1008, height: 176 });
    expect(painted(await commands.pressButton(ctx(), `square:${panned}`)).canvas).toEqual({
      width: 1008,
      height: 880,
    });
    // The job reads its source back as the press did: it ends done, not failed on the source's shape.
    queue.start();
    const started = Date.now();
    while (
      store.get(squared.job.id)?.status === 'queued' ||
      store.get(squared.job.id)?.status === 'running'
    ) {
      if (Date.now() - started > 5000) throw new Error('the square job never ended');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(store.get(squared.job.id)).toMatchObject({ status: 'done' });
    // A typed /outpaint square of such an upload is taken the same way; its other growths are still refused.
    const upload = await picture({ width: 1008, height: 112 });
    const typed = painted(
      (await commands.runText(ctx(), '/outpaint square more sky', [{ data: upload }])) as Reply,
    );
    expect(typed.canvas).toEqual({ width: 1008, height: 560 });
    const refused = (await commands.runText(ctx(), '/outpaint up more sky', [{ data: upload }])) as Reply;
    expect(refused.startsJob).toBeFalsy();
    expect(refused.text.map((line) => line.key)).toEqual(['errors.engine.image_aspect']);
  });

  it('a result past 8:1 offers no arrow (each would be refused) but Make square; its other buttons refuse at the press', async () => {
    const { commands, ctx, result, store } = setup();
    const old = await result({ width: 1008, height: 112 });
    const actions = resultButtons(store.get(old) as Job)
      .flat()
      .map((b) => b.id.split(':')[0]);
    expect(actions.filter((action) => action?.startsWith('pan_'))).toEqual([]);
    expect(actions).toContain('square');
    for (const action of ['pan_up', 'pan_left', 'zoomout', 'zoomout2', 'describe', 'vary_region']) {
      const refused = await commands.pressButton(ctx(), `${action}:${old}`);
      expect(refused.startsJob, action).toBeUndefined();
      expect(refused.ask, action).toBeUndefined();
      expect(
        refused.text.map((line) => line.key),
        action,
      ).toEqual(['errors.engine.image_aspect']);
    }
    expect(store.byStatus('queued', 'running')).toHaveLength(0);
  });

  it('Re-roll, `..` and Remix of an old pan that made a picture past 8:1 are refused before they run', async () => {
    const { commands, ctx, store, storedOutpaint } = setup();
    // As an older version stored it: 1008×176 panned left, its 1008×112 result (9:1).
    const region = { kind: 'extend', left: 0.5, top: 0, right: 0, bottom: 0 } as const;
    const old = await storedOutpaint(
      'a beach',
      region,
      { width: 1008, height: 176 },
      { width: 1008, height: 112 },
    );
    const again = [
      await commands.pressButton(ctx(), `reroll:${old}`),
      await commands.replyToResult(ctx(), old, '.. more sand'),
      await commands.answerAsk(ctx(), 'imagine_line', old, 'a beach at dusk --seed 4'),
    ];
    for (const reply of again) {
      expect(reply.startsJob).toBeFalsy();
      expect(reply.text.map((line) => line.key)).toEqual(['errors.outpaint.too_elongated']);
    }
    expect(store.byStatus('queued', 'running')).toHaveLength(0);
  });
});
