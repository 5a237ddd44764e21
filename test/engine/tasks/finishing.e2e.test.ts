// The finishing report through the real engine on a generated tiny checkpoint: once an image task's last step is
// done it says so (`phase: 'finishing'`, step = total) before its result comes, exactly once per job, whatever the
// path (alone, a grid sharing forward passes, ML-Cache images one after another, a batch, painting); a describe job,
// which has no image to decode, never does, nor does a job cancelled before its last step (alone in a batch or with
// the whole grid).
import { describe, expect, it } from 'vitest';
import type { EngineRequest, GenerateOptions, RgbImage } from '../../../engine/index.js';
import { useTinyEngine } from '../tiny-engine.js';

const image: RgbImage = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(90) };
const imagine = (extra: Partial<EngineRequest> = {}) =>
  ({
    task: 'text_to_image',
    prompt: 'a red fox',
    width: 64,
    height: 48,
    steps: 4,
    seed: 3,
    ...extra,
  }) as EngineRequest;

/** Every report as `step/total`, a finishing one as `finishing step/total`, then `result` once the promise settles. */
function recorder() {
  const seen: string[] = [];
  const options: GenerateOptions = {
    onProgress: (p) => seen.push(`${p.phase ? `${p.phase} ` : ''}${p.step}/${p.total}`),
  };
  return { seen, options, settled: () => seen.push('result') };
}

describe('the finishing report on a generated tiny checkpoint', () => {
  const tiny = useTinyEngine('dimoo-finishing-', 6);

  it('comes once after the last step and before the result of one image', async () => {
    const r = recorder();
    await tiny.engine.generate(imagine(), r.options).then(r.settled);
    expect(r.seen).toEqual(['1/4', '2/4', '3/4', '4/4', 'finishing 4/4', 'result']);
  });

  it('comes once for a whole grid, after every member’s last step', async () => {
    const r = recorder();
    await tiny.engine.generate(imagine({ count: 3 }), r.options).then(r.settled);
    expect(r.seen).toEqual(['1/4', '2/4', '3/4', '4/4', 'finishing 4/4', 'result']);
  });

  it('comes only after the last of images drawn one after another (ML-Cache), not between them', async () => {
    const r = recorder();
    const cache = { cacheRatio: 0.5, warmupRatio: 0.2, refreshInterval: 2 };
    await tiny.engine.generate(imagine({ count: 2, cache }), r.options).then(r.settled);
    expect(r.seen.filter((s) => s.startsWith('finishing'))).toEqual(['finishing 8/8']);
    expect(r.seen.slice(-3)).toEqual(['8/8', 'finishing 8/8', 'result']);
  });

  it('comes to every job of a batch before any result of it', async () => {
    const [a, b] = [recorder(), recorder()];
    // Each member's finishing report, and a microtask queued at it: a decode (or anything awaited) between one
    // member's report and the next lets the microtask in first, so told at each member's own decode, the first
    // member's mark would come before the second member's report.
    const order: string[] = [];
    const marking = (name: string, r: ReturnType<typeof recorder>): GenerateOptions => ({
      onProgress: (p) => {
        r.options.onProgress?.(p);
        if (p.phase !== 'finishing') return;
        order.push(`${name} finishing`);
        queueMicrotask(() => order.push(`after ${name}`));
      },
    });
    const results = await tiny.engine.generateBatch([
      { request: imagine(), options: marking('a', a) },
      { request: imagine({ prompt: 'a boat', seed: 4 }), options: marking('b', b) },
    ]);
    a.settled();
    b.settled();
    expect(results.map((res) => ('kind' in res ? res.kind : res.code))).toEqual(['image', 'image']);
    for (const r of [a, b]) expect(r.seen).toEqual(['1/4', '2/4', '3/4', '4/4', 'finishing 4/4', 'result']);
    expect(order).toEqual(['a finishing', 'b finishing', 'after a', 'after b']);
  });

  it('never comes to a job of a batch cancelled before its last step; the others still get it', async () => {
    const [a, b] = [recorder(), recorder()];
    const cancel = new AbortController();
    const results = await tiny.engine.generateBatch([
      { request: imagine(), options: a.options },
      {
        request: imagine({ prompt: 'a boat', seed: 4 }),
        options: {
          signal: cancel.signal,
          onProgress: (p) => {
            b.options.onProgress?.(p);
            if (p.step === 2) cancel.abort();
          },
        },
      },
    ]);
    expect(results.map((res) => ('kind' in res ? res.kind : res.code))).toEqual(['image', 'cancelled']);
    expect(a.seen).toEqual(['1/4', '2/4', '3/4', '4/4', 'finishing 4/4']);
    // Its steps were reported (so its total is known): only the failed loop keeps the report from it.
    expect(b.seen.length).toBeGreaterThan(0);
    expect(b.seen.some((s) => s.startsWith('finishing'))).toBe(false);
  });

  it('never comes to a grid cancelled before its last step', async () => {
    const r = recorder();
    const cancel = new AbortController();
    const options: GenerateOptions = {
      signal: cancel.signal,
      onProgress: (p) => {
        r.options.onProgress?.(p);
        if (p.step === 2) cancel.abort();
      },
    };
    await expect(tiny.engine.generate(imagine({ count: 2 }), options)).rejects.toMatchObject({
      code: 'cancelled',
    });
    expect(r.seen.length).toBeGreaterThan(0);
    expect(r.seen.some((s) => s.startsWith('finishing'))).toBe(false);
  });

  it('comes after a retouch’s last step', async () => {
    const r = recorder();
    const request: EngineRequest = {
      task: 'paint',
      prompt: 'a boat',
      image,
      region: { kind: 'inpaint_ratio', hRatio: 0.5, wRatio: 0.5 },
      steps: 3,
      seed: 5,
    };
    await tiny.engine.generate(request, r.options).then(r.settled);
    // Fewer cells to redraw than steps asked: the steps counted are the ones planned.
    const last = r.seen.at(-3) as string;
    expect(last).toMatch(/^(\d+)\/\1$/);
    expect(r.seen.slice(-2)).toEqual([`finishing ${last}`, 'result']);
    expect(r.seen.filter((s) => s.startsWith('finishing'))).toHaveLength(1);
  });

  it('never comes for a describe job, which has no image to make', async () => {
    const r = recorder();
    const request: EngineRequest = { task: 'understand', image, genLength: 8, blockLength: 4, steps: 4 };
    await tiny.engine.generate(request, r.options).then(r.settled);
    expect(r.seen.length).toBeGreaterThan(1);
    expect(r.seen.some((s) => s.startsWith('finishing'))).toBe(false);
  });
});
