// Telegram cuts a label that does not fit its button's share of the row: rows are split, in order, where it would.
import { describe, expect, it } from 'vitest';
import { labelWidth, splitRow } from '../../../adapters/telegram/keyboard-rows.js';
import { keyboard } from '../../../adapters/telegram/render.js';
import { BUTTON_ACTIONS, buttonId, type Reply, type ReplyButton } from '../../../commands/reply.js';

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
