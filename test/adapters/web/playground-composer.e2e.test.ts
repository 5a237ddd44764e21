// The playground's composer in a real browser (Debian's Chromium via playwright-core) against the real server and
// commands on the timed engine double (the queue never starts: a job sent stays queued). An image the server would
// refuse for its size or its pixels is refused as it is attached, in the very words the server gives for the same
// bytes, and nothing is uploaded; a send that could not reach the server keeps its line and its image (and the mask
// drawn on it) in the composer, to send again.
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import { solidPng } from '../e2e-services.js';
import {
  attach,
  attachShown,
  drawOnMask,
  haveBrowser,
  openAsSameUser,
  openBrowserPage,
} from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const UPLOAD_LIMIT = 1024 * 1024;

/** A PNG of seeded noise (it hardly compresses): `side`² pixels, about 3·side² bytes. */
function noisePng(side: number): Promise<Buffer> {
  const raw = Buffer.alloc(side * side * 3);
  let seed = 7;
  for (let i = 0; i < raw.length; i++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    raw[i] = seed >>> 24;
  }
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

/** The newest job the server stored for the page's user: its line and the roles of its images. */
const NEWEST_ASKED = `(async () => {
  const [entry] = (await (await fetch('/api/history')).json()).entries;
  return entry && { text: entry.asked.text, roles: entry.asked.images.map((i) => i.role).sort() };
})()`;

/** Counts in `into` each POST `on` makes to /api/messages (an upload). */
function countPosts(on: Page, into: { uploads: number }) {
  on.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/api/messages')) into.uploads += 1;
  });
}

const sizedPng = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3a6' } })
    // Compressed hard: 9000² pixels of one colour stay far below the upload limit, so only their count is refused.
    .png({ compressionLevel: 9 })
    .toBuffer();

describe.skipIf(!haveBrowser)(
  'playground composer: the server limits, and a send that failed',
  { timeout: 60_000 },
  () => {
    let stack: PlaygroundOnDouble;
    let server: Playground;
    let browser: Browser;
    let page: Page;
    let pageErrors: string[] = [];
    /** The page's uploads: its POSTs to /api/messages. */
    const posted = { uploads: 0 };

    beforeAll(async () => {
      stack = openPlaygroundOnDouble('composer');
      ({ server } = await stack.start({ maxInputBytes: UPLOAD_LIMIT }));
      ({ browser, page, pageErrors } = await openBrowserPage(server.url));
      countPosts(page, posted);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await stack?.close();
    });

    /** What the server answers when `png` is posted as it is, past the page's checks (as from another page). */
    async function serverSays(on: Page, png: Buffer): Promise<string> {
      const answer = (await on.evaluate(`(async () => {
      const bytes = Uint8Array.from(atob('${png.toString('base64')}'), (c) => c.charCodeAt(0));
      const form = new FormData();
      form.append('text', 'make it blue');
      form.append('image', new File([bytes], 'picture.png', { type: 'image/png' }));
      return (await fetch('/api/messages', { method: 'POST', body: form })).json();
    })()`)) as { lines: string[] };
      return answer.lines.join(' ');
    }

    /** Attaches `png` and waits for the line under the composer to say something other than `before`. */
    async function refusalOf(on: Page, png: Buffer): Promise<string> {
      const error = on.locator('#attach-error');
      await on.evaluate(`document.getElementById('attach-error').textContent = ''`);
      await attach(on, 'picture.png', png);
      await error.waitFor({ state: 'visible', timeout: 10_000 });
      await expect.poll(() => error.textContent(), { timeout: 10_000 }).not.toBe('');
      return (await error.textContent()) ?? '';
    }

    it.each([
      ['far beyond the pixel limit', 9000, 9000, /too large \(9000×9000, limit 16 megapixels\)/],
      ['too small', 4, 4, /too small \(4×4\)/],
      ['too narrow', 400, 40, /too narrow or too wide \(400×40\)/],
    ])(
      'refuses an image %s as it is attached, in the server’s words, uploading nothing',
      async (_, w, h, says) => {
        const png = await sizedPng(w, h);
        const sent = posted.uploads;
        const refusal = await refusalOf(page, png);
        expect(refusal).toMatch(says);
        expect(await page.locator('#attachment').isHidden()).toBe(true);
        expect(posted.uploads).toBe(sent);
        expect(await serverSays(page, png)).toBe(refusal);
      },
    );

    it('refuses a file over the upload limit at once, its size written by the server as the page’s language writes it', async () => {
      const png = await noisePng(700);
      expect(png.length).toBeGreaterThan(UPLOAD_LIMIT);
      const german = await openAsSameUser(browser, page, server.url, { locale: 'de-DE' });
      const itsPosts = { uploads: 0 };
      countPosts(german, itsPosts);
      // The page writes no size itself: it asks the server, which writes them all.
      const asked: string[] = [];
      german.on('request', (request) => {
        if (request.url().includes('/api/size')) asked.push(new URL(request.url()).search);
      });
      try {
        const refusal = await refusalOf(german, png);
        expect(refusal).toMatch(/\(1,4 MB, .*1 MB\)/);
        expect(asked).toEqual([`?bytes=${png.length}`]);
        expect(await german.locator('#attachment').isHidden()).toBe(true);
        expect(itsPosts.uploads).toBe(0);
        // The server's own refusal of the same upload, which it stops reading once past the limit.
        expect(await serverSays(german, png)).toBe(refusal);

        // A server that cannot be asked: the file is refused all the same, by its limit alone.
        const sent = itsPosts.uploads;
        await german.route('**/api/size*', (route) => route.abort('connectionrefused'));
        expect(await refusalOf(german, png)).toBe('Die Datei ist zu groß (Limit 1 MB).');
        expect(itsPosts.uploads).toBe(sent);
      } finally {
        await german.close();
      }
    });

    it('still attaches an image within the limits, and leaves a corrupt one to the checks it had', async () => {
      // Not an image by its first bytes, whatever its name: refused as the server refuses its format.
      await refusalOf(page, Buffer.from('not an image at all')).then((text) =>
        expect(text).toMatch(/format is not supported/),
      );
      // An image's header cut short of its pixels: the browser cannot decode it, nor could the server.
      const cut = (await solidPng('#c33', 64)).subarray(0, 60);
      await refusalOf(page, cut).then((text) => expect(text).toMatch(/could not be read/));
      await attach(page, 'ok.png', await solidPng('#c33'));
      await page.waitForSelector('#attachment:not([hidden])');
      expect(await page.locator('#attach-error').isHidden()).toBe(true);
      await page.click('#remove-image');
    });

    it('judges a file by its bytes as the server does: an empty one in the server’s words, a JPEG named .heic taken', async () => {
      const empty = await refusalOf(page, Buffer.alloc(0));
      expect(empty).toBe(await serverSays(page, Buffer.alloc(0)));
      expect(empty).toMatch(/empty/);
      // The signature the server reads, all of it, and no fewer bytes: a PNG's first four of eight, or a file of a
      // few bytes named .png, is no image to it.
      for (const bytes of [Buffer.from('\x89PNG and then words', 'latin1'), Buffer.from('tiny')]) {
        const refusal = await refusalOf(page, bytes);
        expect(refusal).toBe(await serverSays(page, bytes));
        expect(refusal).toMatch(/format is not supported/);
      }
      const sent = posted.uploads;
      const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6' } })
        .jpeg()
        .toBuffer();
      await attachShown(page, 'photo.heic', jpeg, { mimeType: 'image/heic' });
      expect(await page.locator('#attach-error').isHidden()).toBe(true);
      expect(posted.uploads).toBe(sent);
      await page.click('#remove-image');
    });

    it('leaves a command’s own minimum to the server: an 8×8 image is attached, and /outpaint’s refusal of it comes under the line that sent it', async () => {
      // 8 pixels a side is the least any command takes (/describe does); which command a line runs is the server's
      // to read (aliases, /prefer options), so /outpaint's whole cell is its refusal to give, in the conversation.
      await attachShown(page, 'tiny.png', await solidPng('#c33', 8));
      expect(await page.locator('#attach-error').isHidden()).toBe(true);
      const sent = posted.uploads;
      const line = '/outpaint 2x a lighthouse at dusk';
      await page.fill('#text', line);
      await page.click('#send');
      const mine = page.locator('#log li.user', { hasText: line });
      await mine.waitFor({ timeout: 10_000 });
      const underIt = mine.locator('xpath=following-sibling::li[1]');
      await expect
        .poll(() => underIt.textContent(), { timeout: 10_000 })
        .toBe('That image is too small (8×8); both sides must be at least 16 pixels.');
      expect(await underIt.getAttribute('class')).toMatch(/\bbot\b/);
      expect(await mine.locator('img').count()).toBe(1);
      expect(posted.uploads).toBe(sent + 1);
      // The line comes back to be sent with another image; this one would be refused again.
      expect(await page.locator('#text').inputValue()).toBe(line);
      expect(await page.locator('#attachment').isHidden()).toBe(true);
      await page.fill('#text', '');
    });

    it('shows an attached image only once it has loaded: never an empty frame, nor the image attached before', async () => {
      // The preview and the mask canvas over it as they are at the moment the composer shows them, recorded in the
      // page as that happens: a mask of the size of the image before took the strokes drawn at once (or lost them).
      await page.evaluate(`(() => {
        window.shownAs = [];
        const [preview, mask] = [document.getElementById('preview'), document.getElementById('mask')];
        new MutationObserver(() => {
          if (!document.getElementById('attachment').hidden)
            window.shownAs.push({ complete: preview.complete, width: preview.naturalWidth, mask: mask.width, alt: preview.alt });
        }).observe(document.getElementById('attachment'), { attributes: true, attributeFilter: ['hidden'] });
      })()`);
      await attachShown(page, 'first.png', await solidPng('#c33', 96));
      await page.click('#remove-image');
      await attachShown(page, 'second.png', await solidPng('#36c', 128));
      await page.click('#remove-image');
      expect(await page.evaluate('window.shownAs')).toEqual([
        { complete: true, width: 96, mask: 96, alt: 'first.png' },
        { complete: true, width: 128, mask: 128, alt: 'second.png' },
      ]);
    });

    it('Remove image takes a newer file still being checked with it: nothing appears after the press', async () => {
      await attachShown(page, 'first.png', await solidPng('#c33', 96));
      // The next file's check takes a while (a large photo on a slow phone does).
      await page.evaluate(`(() => {
        const decode = (window.realCreateImageBitmap = window.createImageBitmap);
        window.createImageBitmap = (file) => new Promise((r) => setTimeout(r, 400)).then(() => decode(file));
      })()`);
      try {
        await attach(page, 'second.png', await solidPng('#36c', 128));
        await page.click('#remove-image');
        await page.waitForTimeout(1200);
        expect(await page.locator('#attachment').isHidden()).toBe(true);
        // The composer holds no image: a line sent now is a line alone.
        expect(await page.evaluate(`document.getElementById('preview').alt`)).not.toBe('second.png');
      } finally {
        await page.evaluate('window.createImageBitmap = window.realCreateImageBitmap');
      }
    });

    it('keeps the line, the image and its mask when the send could not reach the server, and sends them later', async () => {
      await attach(page, 'ok.png', await solidPng('#36c', 96));
      await page.waitForSelector('#attachment:not([hidden])');
      await page.check('#draw');
      await drawOnMask(page, 0.3, 0.6, 4);
      const users = await page.locator('#log li.user').count();
      await page.route('**/api/messages', (route) => route.abort('connectionrefused'));
      await page.fill('#text', 'make the sky green');
      await page.click('#send');
      await page
        .locator('#log li.bot', { hasText: 'The bot could not be reached.' })
        .waitFor({ timeout: 10_000 });
      expect(await page.locator('#text').inputValue()).toBe('make the sky green');
      expect(await page.locator('#attachment').isVisible()).toBe(true);
      // The line was not delivered: it is in the box again, not in the conversation.
      expect(await page.locator('#log li.user').count()).toBe(users);
      expect(await page.locator('#send').isEnabled()).toBe(true);

      await page.unroute('**/api/messages');
      await page.click('#send');
      await page.locator('#log li.user', { hasText: 'make the sky green' }).waitFor({ timeout: 10_000 });
      // What the server took: the line as typed, the picture and the mask.
      await expect
        .poll(() => page.evaluate(NEWEST_ASKED), { timeout: 10_000 })
        .toEqual({ text: 'make the sky green', roles: ['image', 'mask'] });
      expect(await page.locator('#text').inputValue()).toBe('');
      expect(await page.locator('#attachment').isHidden()).toBe(true);
      expect(pageErrors).toEqual([]);
    });
  },
);
