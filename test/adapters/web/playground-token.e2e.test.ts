// The playground behind an access token, in a real browser (Debian's Chromium via playwright-core) against the real
// server and commands on the timed engine double. The token is given once in the address (`/?token=…`): the page
// works, drops the token from its address (the path, the other parameters and the hash stay), and a reload of
// that address still works on the cookie the first visit set, which is the only thing that lets it in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Playground } from '../../../adapters/web/server.js';
import {
  type BrowserPage,
  botCountAbove,
  haveBrowser,
  openBrowserPage,
  send,
  whenReady,
} from './playground-browser.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

const TOKEN = 'a-token-for-the-playground-test';

describe.skipIf(!haveBrowser)(
  'playground with an access token: the token leaves the address',
  { timeout: 60_000 },
  () => {
    let stack: PlaygroundOnDouble;
    let server: Playground;
    let opened: BrowserPage | undefined;
    let origin: string;

    beforeAll(async () => {
      stack = openPlaygroundOnDouble('token');
      ({ server } = await stack.start({ accessToken: TOKEN }));
      origin = new URL(server.url).origin;
      opened = await openBrowserPage(`${origin}/?view=a%20b&token=${TOKEN}&lang=en#latest`);
    }, 60_000);

    afterAll(async () => {
      await opened?.browser.close();
      await stack?.close();
    });

    it('answers the address without the token with 401: only the cookie lets a reload in', async () => {
      expect((await fetch(`${origin}/`)).status).toBe(401);
      expect((await fetch(`${origin}/api/info`)).status).toBe(401);
    });

    it('drops the token from the address at load, keeping the path, the other parameters and the hash', async () => {
      const page = opened!.page;
      expect(page.url()).toBe(`${origin}/?view=a%20b&lang=en#latest`);
      expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    });

    it('works on the token: its strings loaded and a message is answered', async () => {
      const page = opened!.page;
      await expect(page.textContent('#log li.bot p[data-i18n="web.welcome"]')).resolves.not.toContain(
        'web.welcome',
      );
      expect(await page.title()).not.toBe('');
      const before = await page.locator('#log li.bot').count();
      await send(page, '/imagine a lighthouse at dusk');
      await botCountAbove(page, before, { timeout: 20_000 });
      // Queued (the double's queue never starts): the server took the job on the token's authority.
      await expect(page.locator('#log li.user').last().textContent()).resolves.toContain(
        'a lighthouse at dusk',
      );
      expect(opened!.pageErrors).toEqual([]);
    });

    it('still works after a reload of the address without the token (the cookie)', async () => {
      const page = opened!.page;
      const response = await page.reload();
      expect(response?.status()).toBe(200);
      await whenReady(page);
      expect(page.url()).toBe(`${origin}/?view=a%20b&lang=en#latest`);
      expect(await page.evaluate(`fetch('/api/info').then((r) => r.status)`)).toBe(200);
      // The job sent before the reload comes back from /api/history, which the cookie lets in.
      await expect(page.locator('#log li.user').last().textContent()).resolves.toContain(
        'a lighthouse at dusk',
      );
      expect(opened!.pageErrors).toEqual([]);
    });
  },
);
