// What the tester's presses did to the playground, in a real browser (Debian's Chromium via playwright-core) against
// the real server, commands and queue on the timed engine double: a double-click on Delete deletes one result, not
// the one that slid under the pointer (two deliberate deletes still both happen); Edit pressed under an open Remix
// form gets a form of its own; a Delete the user did not undo still happens when the page is reloaded within its undo
// time; a PNG cut short in its pixels is refused on attach; /help wraps no flag after its dashes; and a refused
// attachment leaves Attach, the box and Send on their row.
import { describe, expect, it } from 'vitest';
import { solidPng } from '../e2e-services.js';
import {
  attach,
  haveBrowser,
  jobsOfSent,
  resultsOf,
  useDoublePlaygroundPage,
  whenReady,
} from './playground-browser.js';

const finals = '#log li.bot[data-state=final]';
const WAIT = { timeout: 30_000 };
/** The page's undo time (undo.js), and a little over. */
const UNDO_OVER_MS = 6_800;

describe.skipIf(!haveBrowser)('playground presses', { timeout: 120_000 }, () => {
  const pg = useDoublePlaygroundPage(
    'presses',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { run: true, settings: { bundledModel: false }, page: { viewport: { width: 900, height: 600 } } },
  );

  /**
   * Sends a permutation of `n` colours and answers the jobs of its results, in the page's order. Pinned by the job ids
   * of the answer: a count of results is no sign of them, as the Edit the test before sent may still be finishing.
   */
  async function results(words: string[]): Promise<string[]> {
    const jobs = await jobsOfSent(pg.page, async () => {
      await pg.page.fill('#text', `/imagine a {${words.join(', ')}} fox --steps 2`);
      await pg.page.press('#text', 'Enter');
    });
    return resultsOf(pg.page, jobs, WAIT);
  }
  /** The jobs the server still has, newest first. */
  const stored = (on = pg.page) =>
    on.evaluate(
      "fetch('/api/history').then((r) => r.json()).then((p) => p.entries.map((e) => e.jobId))",
    ) as Promise<string[]>;
  const deleteOf = (job: string) =>
    pg.page.locator(`${finals}[data-job="${job}"] button[data-action^="delete:"]`);
  /** The job of the message whose Delete is at (x, y), if a Delete is there. */
  const deleteAt = (x: number, y: number) =>
    pg.page.evaluate(
      `document.elementFromPoint(${x}, ${y})?.closest('button[data-action^="delete:"]')?.closest('li')?.dataset.job`,
    ) as Promise<string | undefined>;

  it('a double-click on Delete deletes that result alone; a second deliberate press deletes the next', async () => {
    const [first, second, third] = await results(['red', 'blue', 'green']);
    await pg.page.evaluate("document.querySelector('main').scrollTop = 1e9");
    await deleteOf(third as string).scrollIntoViewIfNeeded();
    const box = await deleteOf(third as string).boundingBox();
    if (!box) throw new Error('no Delete');
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await pg.page.mouse.dblclick(x, y);
    expect(await pg.page.locator(`#log li.bot[data-job="${second}"]`).isVisible()).toBe(true);
    // The case the tester met: the conversation shifted and the previous result's Delete is under the pointer now.
    expect(await deleteAt(x, y)).toBe(second);
    await pg.page.waitForTimeout(UNDO_OVER_MS);
    expect(await stored()).toContain(second);
    expect(await stored()).not.toContain(third);

    // Two deletes meant as such: the second press comes after the double-click interval, at the same spot.
    const again = await deleteOf(second as string).boundingBox();
    if (!again) throw new Error('no Delete');
    await pg.page.mouse.click(again.x + again.width / 2, again.y + again.height / 2);
    await pg.page.waitForTimeout(700);
    const next = await deleteOf(first as string).boundingBox();
    if (!next) throw new Error('no Delete');
    await pg.page.mouse.click(next.x + next.width / 2, next.y + next.height / 2);
    await pg.page.waitForTimeout(UNDO_OVER_MS);
    expect(await stored()).not.toContain(second);
    expect(await stored()).not.toContain(first);
    expect(pg.pageErrors).toEqual([]);
  });

  it('Edit pressed while a Remix form is open on the message gets its own form, which sends an edit', async () => {
    const [job] = await results(['teal']);
    const message = pg.page.locator(`${finals}[data-job="${job}"]`);
    await message.locator('button[data-action^="remix:"]').click();
    await message.locator('form.edit-form').waitFor(WAIT);
    const remixLabel = await message.locator('form.edit-form label').textContent();
    await message.locator('button[data-action^="edit:"]').click();
    expect(await message.locator('form.edit-form').count()).toBe(1);
    const editLabel = await message.locator('form.edit-form label').textContent();
    expect(editLabel).toMatch(/^How should .* change\?$/);
    expect(editLabel).not.toBe(remixLabel);
    const sent: string[] = [];
    pg.page.on('request', (r) => {
      if (r.url().endsWith('/api/actions')) sent.push(JSON.parse(r.postData() ?? '{}').id);
    });
    await message.locator('form.edit-form textarea').fill('make it night');
    await message.locator('form.edit-form textarea').press('Enter');
    await expect.poll(() => sent, WAIT).toEqual([`edit:${job}`]);
    await message.locator('form.edit-form').waitFor({ state: 'detached', ...WAIT });
    expect(pg.pageErrors).toEqual([]);
  });

  it('a Delete not undone happens when the page is reloaded within its undo time', async () => {
    const [job] = await results(['plum']);
    await deleteOf(job as string).click();
    await pg.page.reload();
    await whenReady(pg.page);
    // Well inside the undo time of the page that went: only the request sent as it went can have deleted it.
    await expect.poll(() => stored(), { timeout: 4_000 }).not.toContain(job);
    expect(await pg.page.locator(`#log li.bot[data-job="${job}"]`).count()).toBe(0);
  });

  it('refuses a PNG cut short in its pixels on attach, and keeps Attach, the box and Send on one row', async () => {
    const row = async () =>
      Promise.all(['.file-button', '#text', '#send'].map((s) => pg.page.locator(s).boundingBox()));
    const before = await row();
    const png = await solidPng('#3a6', 64);
    // The signature, the IHDR chunk and a part of the pixels: its size reads, and an <img> shows it (blank).
    const pixels = png.indexOf('IDAT') + 4;
    await attach(pg.page, 'cut.png', png.subarray(0, pixels + (png.readUInt32BE(pixels - 8) >> 1)));
    await pg.page.waitForSelector('#attach-error >> text=/could not be read/i', { timeout: 10_000 });
    expect(await pg.page.locator('#attachment').isHidden()).toBe(true);
    const after = await row();
    const tops = after.map((b) => b?.y);
    expect(new Set(tops.map((t) => Math.round((t ?? 0) - (after[0]?.y ?? 0)))).size).toBe(1);
    expect(after.map((b) => [b?.x, b?.width])).toEqual(before.map((b) => [b?.x, b?.width]));
    expect(pg.pageErrors).toEqual([]);
  });

  it('/help wraps no flag after its dashes, and its text copies as typed', async () => {
    await pg.page.setViewportSize({ width: 360, height: 640 });
    const count = await pg.page.locator('#log li.bot').count();
    await pg.page.fill('#text', '/help');
    await pg.page.press('#text', 'Enter');
    await pg.page.locator('#log li.bot').nth(count).waitFor(WAIT);
    const help = pg.page.locator('#log li.bot').last();
    const flags = (await help.locator('.flag').evaluateAll((spans) =>
      spans.map((s) => {
        const span = s as unknown as { textContent: string; getClientRects(): { length: number } };
        return [span.textContent, span.getClientRects().length] as const;
      }),
    )) as [string, number][];
    expect(flags.map(([text]) => text)).toContain('--temperature');
    expect(flags.filter(([, lines]) => lines !== 1)).toEqual([]);
    const text = await help.evaluate((li) => (li as unknown as { textContent: string }).textContent);
    expect(text).toContain('--temperature');
    await pg.page.setViewportSize({ width: 900, height: 600 });
  });
});
