// The room the conversation makes under an Undo toast on a narrow window (undo.js), so that the toast, fixed over the
// conversation's end, does not cover the Delete of the message left last, in a real browser (Debian's Chromium via
// playwright-core) against the real server, commands and queue on the timed engine double: it follows the composer,
// which grows with the lines typed into it and shrinks again when they go, while the toast shows.
import { describe, expect, it } from 'vitest';
import {
  haveBrowser,
  imagesLoaded,
  jobsOfSent,
  resultsOf,
  useDoublePlaygroundPage,
} from './playground-browser.js';

const finals = '#log li.bot[data-state=final]';
const WAIT = { timeout: 30_000 };

describe.skipIf(!haveBrowser)('playground room under an Undo toast', { timeout: 120_000 }, () => {
  // A narrow desktop window (a mouse, not a phone's layout): the toast, centred, reaches the Delete on the left.
  const pg = useDoublePlaygroundPage(
    'toast-room',
    { RATE_LIMIT_PER_MINUTE: '0', QUEUE_MAX_PER_USER: '10' },
    { run: true, settings: { bundledModel: false }, page: { viewport: { width: 400, height: 480 } } },
  );

  /** Whether two boxes on the page overlap, said with both boxes for a failure's message. */
  const apart = async (what: string, a: string, b: string) => {
    const box = (selector: string) =>
      pg.page
        .locator(selector)
        .boundingBox({ timeout: 500 })
        .catch(() => null);
    const [one, two] = [await box(a), await box(b)];
    if (!one || !two) return `no box: ${what} ${JSON.stringify(one)}, toast ${JSON.stringify(two)}`;
    const overlap =
      one.x < two.x + two.width &&
      two.x < one.x + one.width &&
      one.y < two.y + two.height &&
      two.y < one.y + one.height;
    return overlap ? `covered: ${what} ${JSON.stringify(one)}, toast ${JSON.stringify(two)}` : 'apart';
  };

  let upper: string | undefined;
  let lower: string | undefined;
  const result = (job: string | undefined) => `${finals}[data-job="${job}"]`;
  const deleteOf = (job: string | undefined) => `${result(job)} button[data-action^="delete:"]`;
  const lines = Array.from({ length: 6 }, (_, i) => `line ${i + 1} of a long prompt`).join('\n');

  /** Every deletion undone and the box emptied: each test starts from both results and a one-line composer. */
  const undoAll = async () => {
    const undos = pg.page.locator('.toast button.undo');
    while ((await undos.count()) > 0) await undos.first().click();
    await pg.page.fill('#text', '');
    await pg.page.locator(result(lower)).waitFor({ state: 'visible', ...WAIT });
  };

  it('two results, the lower deleted: its toast leaves the Delete above uncovered', async () => {
    [upper, lower] = await resultsOf(
      pg.page,
      await jobsOfSent(pg.page, async () => {
        await pg.page.fill('#text', '/imagine a {grey, brown} fox --steps 2');
        await pg.page.press('#text', 'Enter');
      }),
      WAIT,
    );
    await imagesLoaded(pg.page, `${finals} img.result`, WAIT);
    await pg.page.locator(deleteOf(lower)).click();
    await pg.page.locator('.toast button.undo').waitFor(WAIT);
    // Within the toast's 6 s: it is measured while it shows.
    await expect.poll(() => apart('Delete', deleteOf(upper), '.toast'), { timeout: 4000 }).toBe('apart');
  });

  it('lines typed while the toast shows grow the composer: the toast covers neither them nor that Delete', async () => {
    const heightBefore = (await pg.page.locator('#composer').boundingBox())?.height ?? 0;
    await pg.page.locator('#text').click();
    for (const line of lines.split('\n')) {
      await pg.page.keyboard.type(line);
      await pg.page.keyboard.press('Shift+Enter');
    }
    expect((await pg.page.locator('#composer').boundingBox())?.height ?? 0).toBeGreaterThan(
      heightBefore + 60,
    );
    await expect.poll(() => apart('Delete', deleteOf(upper), '.toast'), { timeout: 2000 }).toBe('apart');
    await expect.poll(() => apart('the box', '#text', '.toast'), { timeout: 2000 }).toBe('apart');
    await undoAll();
  });

  it('the composer shrinking while the toast shows (its lines sent or cleared) leaves that Delete uncovered', async () => {
    await undoAll();
    // The toast comes while the composer is at its tallest, and stays while the box is emptied.
    await pg.page.fill('#text', lines);
    await pg.page.locator(deleteOf(lower)).click();
    await pg.page.locator('.toast button.undo').waitFor(WAIT);
    await pg.page.fill('#text', '');
    await expect.poll(() => apart('Delete', deleteOf(upper), '.toast'), { timeout: 3000 }).toBe('apart');
    await undoAll();
    expect(pg.pageErrors).toEqual([]);
  });
});
