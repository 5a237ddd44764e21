// Telegram cuts a label that does not fit its button's share of the row: rows are split, in order, where it would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TELEGRAM_PROFILE } from '../../../adapters/telegram/index.js';
import { fitsOneRow, labelWidth, splitRow } from '../../../adapters/telegram/keyboard-rows.js';
import { keyboard } from '../../../adapters/telegram/render.js';
import { Commands } from '../../../commands/commands.js';
import { BUTTON_ACTIONS, buttonId, type Reply, type ReplyButton } from '../../../commands/reply.js';
import type { Locale } from '../../../src/i18n.js';
import { type Job, JobQueue, JobStore } from '../../../src/jobs/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';

const JOB = '0f0f0f0f-1111-4222-8333-444455556666';
const button = (action: string, key = action): ReplyButton => ({
  id: `${action}:${JOB}`,
  labelKey: `button.${key}`,
  style: 'secondary',
});
// A single result's first rows, as commands/render.ts builds them.
const result: Reply = {
  text: [],
  buttons: [
    [button('reroll'), button('vary', 'vary_subtle'), button('vary_strong'), button('vary_region')],
    [button('upscale_subtle'), button('upscale_creative')],
    [button('edit'), button('describe'), button('zoomout'), button('zoomout2')],
    [button('pan_left'), button('pan_right'), button('pan_up'), button('pan_down')],
  ],
};

const rows = (locale: Parameters<typeof keyboard>[1]) =>
  (keyboard(result, locale)?.inline_keyboard ?? []).map((row) =>
    row.map((b) => ('callback_data' in b ? b.callback_data.split(':')[0] : '')),
  );

describe('Telegram keyboard rows', () => {
  it("puts every button's id in callback_data within Telegram's 64 bytes", () => {
    const ids = BUTTON_ACTIONS.map((action) => buttonId(action, JOB));
    const all: Reply = { text: [], buttons: ids.map((id) => [{ ...button('reroll'), id }]) };
    const sent = (keyboard(all, 'en')?.inline_keyboard ?? []).flat();
    expect(sent.map((b) => ('callback_data' in b ? b.callback_data : undefined))).toEqual(ids);
    for (const id of ids) expect(Buffer.byteLength(id, 'utf8')).toBeLessThanOrEqual(64);
  });

  it('splits a row of four whose labels would be cut, and keeps short rows whole', () => {
    expect(rows('en')).toEqual([
      ['reroll', 'vary'],
      ['vary_strong', 'vary_region'],
      ['upscale_subtle', 'upscale_creative'],
      ['edit', 'describe'],
      ['zoomout', 'zoomout2'],
      ['pan_left', 'pan_right', 'pan_up', 'pan_down'],
    ]);
  });

  it('splits by the translated labels: German "Hochskalieren (leicht)" needs a whole row', () => {
    expect(rows('de').slice(2, 4)).toEqual([['upscale_subtle'], ['upscale_creative']]);
    // Every button is still there, in its order.
    expect(rows('de').flat()).toEqual(result.buttons?.flat().map((b) => b.id.split(':')[0]));
  });

  it('counts wide characters twice, and gives a label too long for any share a row of its own', () => {
    expect(labelWidth('画像を編集')).toBe(10);
    expect(labelWidth('Zoom out 1.5×')).toBe(13);
    const long = 'x'.repeat(60);
    expect(splitRow(['a', long, 'b'], (s) => s)).toEqual([['a'], [long], ['b']]);
    expect(splitRow(['1', '2', '3', '4'], (s) => s)).toEqual([['1', '2', '3', '4']]);
    expect(splitRow(['abcdefghijk', 'b', 'c'], (s) => s)).toEqual([['abcdefghijk', 'b', 'c']]);
    expect(splitRow(['abcdefghijklmn', 'b', 'c'], (s) => s)).toEqual([['abcdefghijklmn', 'b'], ['c']]);
  });
});

const open: Array<{ queue: JobQueue; store: JobStore; dir: string }> = [];
afterEach(async () => {
  for (const { queue, store, dir } of open.splice(0)) {
    await queue.stop({ waitMs: 2000 });
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * A finished /imagine as a Telegram chat gets it, through the product's own path: the `done` event's reply
 * (commands/render.ts, compact under TELEGRAM_PROFILE) and the one More ▾ gives (every row and Less ▴).
 */
async function finishedImagine(size: string, language: Locale) {
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-keyboard-rows-'));
  const store = new JobStore(dir);
  const engine = new TimedEngineDouble(1, 2);
  store.setCalibration(engine.info.device, 0.001, 1);
  const queue = new JobQueue({
    store,
    engine,
    limits: { maxPerUser: 5, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  open.push({ queue, store, dir });
  const commands = new Commands({
    queue,
    store,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
    },
    platforms: { telegram: TELEGRAM_PROFILE },
  });
  const done = new Promise<{ job: Job; reply: Reply }>((resolve) =>
    commands.subscribe((u) => {
      if (u.reply.final) resolve(u);
    }, 'telegram'),
  );
  queue.start();
  const ctx = commands.context({ user: { platform: 'telegram', userId: '1' }, scope: 'chat:1', language });
  const queued = await commands.run(ctx, {
    name: 'imagine',
    options: { prompt: `a red fox --steps 2 --size ${size}` },
  });
  // A refused /imagine would leave `done` waiting until the test times out: say why instead.
  expect(queued.jobId, JSON.stringify(queued.text)).toBeDefined();
  const { job, reply } = await done;
  const more = await commands.pressButton(ctx, `more:${job.id}`);
  return { job, collapsed: reply, expanded: more };
}

/** The keyboard Telegram is sent, as the labels of each row. */
const labelRows = (reply: Reply, locale: Locale) =>
  (keyboard(reply, locale)?.inline_keyboard ?? []).map((row) => row.map((b) => b.text));

/** Every row fits the width rule keyboard-rows.ts splits by, and every button is sent, in its order. */
function expectNoneCut(replies: Reply[], locale: Locale) {
  for (const reply of replies) {
    const rows = labelRows(reply, locale);
    for (const row of rows) expect(fitsOneRow(row), `${locale}: ${row.join(' | ')}`).toBe(true);
    const sent = (keyboard(reply, locale)?.inline_keyboard ?? []).flat();
    expect(sent.map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual(
      reply.buttons?.flat().map((b) => b.id),
    );
  }
}

describe('Telegram keyboard rows of a finished /imagine', () => {
  it('splits the English Vary row, Edit … Custom zoom and (not square) Remix … Delete in two each', async () => {
    const square = await finishedImagine('256x256', 'en');
    const wide = await finishedImagine('384x256', 'en');
    expect([square.job.result?.width, square.job.result?.height]).toEqual([256, 256]);
    expect([wide.job.result?.width, wide.job.result?.height]).toEqual([384, 256]);
    const main = [
      ['Re-roll', 'Vary (Subtle)'],
      ['Vary (Strong)', 'Vary (Region)'],
      ['Upscale (Subtle)', 'Upscale (Creative)'],
    ];
    expect(labelRows(square.collapsed, 'en')).toEqual([...main, ['More ▾', 'Delete']]);
    expect(labelRows(wide.collapsed, 'en')).toEqual([...main, ['More ▾', 'Delete']]);
    const rest = [
      ['Edit', 'Describe', 'Zoom out 1.5×'],
      ['Zoom out 2×', 'Custom zoom'],
      ['⬅️', '➡️', '⬆️', '⬇️'],
    ];
    expect(labelRows(square.expanded, 'en')).toEqual([
      ...main,
      ...rest,
      ['Remix', 'Original file', 'Delete'],
      ['Less ▴'],
    ]);
    expect(labelRows(wide.expanded, 'en')).toEqual([
      ...main,
      ...rest,
      ['Remix', 'Make square'],
      ['Original file', 'Delete'],
      ['Less ▴'],
    ]);
    expectNoneCut([square.collapsed, square.expanded, wide.collapsed, wide.expanded], 'en');
  });

  it('splits the German Upscale row too, and Edit … Custom zoom in three', async () => {
    const square = await finishedImagine('256x256', 'de');
    const wide = await finishedImagine('384x256', 'de');
    const main = [
      ['Neu würfeln', 'Variieren (leicht)'],
      ['Variieren (stark)', 'Variieren (Bereich)'],
      ['Hochskalieren (leicht)'],
      ['Hochskalieren (kreativ)'],
    ];
    expect(labelRows(square.collapsed, 'de')).toEqual([...main, ['Mehr ▾', 'Löschen']]);
    expect(labelRows(wide.collapsed, 'de')).toEqual([...main, ['Mehr ▾', 'Löschen']]);
    const rest = [
      ['Bearbeiten', 'Beschreiben'],
      ['Herauszoomen 1,5×', 'Herauszoomen 2×'],
      ['Eigener Zoom'],
      ['⬅️', '➡️', '⬆️', '⬇️'],
    ];
    expect(labelRows(square.expanded, 'de')).toEqual([
      ...main,
      ...rest,
      ['Remix', 'Originaldatei', 'Löschen'],
      ['Weniger ▴'],
    ]);
    expect(labelRows(wide.expanded, 'de')).toEqual([
      ...main,
      ...rest,
      ['Remix', 'Quadratisch machen'],
      ['Originaldatei', 'Löschen'],
      ['Weniger ▴'],
    ]);
    expectNoneCut([square.collapsed, square.expanded, wide.collapsed, wide.expanded], 'de');
  });
});
