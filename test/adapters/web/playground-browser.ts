// The playground's browser tests' side of the browser, in one place: Debian's Chromium driven by playwright-core
// (the suites skip without it, and CI fails without it), a page that collects its errors, and the steps the tests
// repeat on the page: waiting for it to be ready, attaching a file, typing and sending, drawing on the mask,
// waiting for replies, a second page of the same user. Also the real-engine stack the history, UX and audit suites
// run on (`openBrowserPlayground` opens, starts and gives a page to the last two), and a job held before its first
// step until it is cancelled. Screenshots go to `artifacts`.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { WebMessage } from '../../../adapters/web/render.js';
import type { Playground } from '../../../adapters/web/server.js';
import type { CommandsOptions } from '../../../commands/index.js';
import type { Services } from '../../../src/services.js';
import type { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openE2eServices } from '../e2e-services.js';
import {
  openPlaygroundOnDouble,
  type PlaygroundOnDouble,
  type PlaygroundSettings,
  type PlaygroundStack,
  playgroundOnServices,
} from './playground-server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI)
  throw new Error('CI needs Debian chromium for the playground test (see .ci/run)');
export const artifacts = join(process.cwd(), 'test', 'artifacts');
/** Generous: a job on the real engine on a loaded 2-core machine. */
export const WAIT = { timeout: 120_000 };

/** The flags every suite starts Chromium with; a suite may add its own. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];

export interface BrowserPage {
  browser: Browser;
  page: Page;
  /** Every uncaught error of `page`, as text; a suite expects it to stay empty. */
  pageErrors: string[];
}

export interface BrowserPageOptions {
  /** Chromium flags on top of the usual ones. */
  args?: string[];
  /** The page's own options, over an English (en-US) locale. */
  page?: BrowserContextOptions;
  /** Done to the page before it first opens `url` (routes, say). */
  prepare?: (page: Page) => Promise<unknown>;
  /** Whether to wait for the page to say it is ready (default: yes). */
  ready?: boolean;
}

/**
 * Chromium, and a page on `url` that records its errors. Should the page not open, the browser is closed again
 * before the error goes on.
 */
export async function openBrowserPage(url: string, options: BrowserPageOptions = {}): Promise<BrowserPage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
  try {
    const page = await browser.newPage({ locale: 'en-US', ...options.page });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    // What the page's Content-Security-Policy refused (an inline style, an image source) shows only in the console.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        pageErrors.push(message.text());
    });
    await options.prepare?.(page);
    await page.goto(url);
    if (options.ready ?? true) await whenReady(page);
    return { browser, page, pageErrors };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Waits for the playground page to have loaded its history and say it is ready. */
export function whenReady(page: Page) {
  return page.waitForSelector('body[data-ready=true]');
}

/**
 * A page of its own (with `options` over an English locale) for the same user as `page` (its cookies), open on
 * `url` and ready. Closing it closes its browser context too.
 */
export async function openAsSameUser(
  browser: Browser,
  page: Page,
  url: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const other = await browser.newPage({ locale: 'en-US', ...options });
  await other.context().addCookies(await page.context().cookies());
  await other.goto(url);
  await whenReady(other);
  return other;
}

/** Types `text` into the composer and clicks Send. */
export async function send(page: Page, text: string) {
  await page.fill('#text', text);
  await page.click('#send');
}

/** Types `text` into the composer and sends it with Enter. */
export async function sendWithEnter(page: Page, text: string) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Puts a file into the composer's file input (a PNG unless told otherwise). */
export function attach(page: Page, name: string, buffer: Buffer, mimeType = 'image/png') {
  return page.setInputFiles('#file', { name, mimeType, buffer });
}

/**
 * Attaches an image and waits until the composer shows it. The preview's own size is no sign: `#preview` keeps the
 * image attached before (a Remove or a send only hides it) while this one is still being decoded.
 */
export async function attachShown(
  page: Page,
  name: string,
  buffer: Buffer,
  options?: { timeout?: number; mimeType?: string },
) {
  const before = await page.getAttribute('#preview', 'src');
  await attach(page, name, buffer, options?.mimeType);
  await page.waitForFunction(
    (old) => {
      const { document } = globalThis as unknown as PageScope;
      const preview = document.getElementById('preview');
      return (
        document.getElementById('attachment')?.hidden === false &&
        preview?.src !== old &&
        preview?.complete === true &&
        (preview.naturalWidth ?? 0) > 0
      );
    },
    before,
    { timeout: options?.timeout },
  );
}

/**
 * Draws one stroke with the mouse on the mask canvas, from `from` to `to` of its width and height (the same
 * fraction on both), in `steps` moves.
 */
export async function drawOnMask(page: Page, from: number, to: number, steps: number) {
  const box = await page.locator('#mask').boundingBox();
  if (!box) throw new Error('no mask canvas');
  await page.mouse.move(box.x + box.width * from, box.y + box.height * from);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to, box.y + box.height * to, { steps });
  await page.mouse.up();
}

/**
 * The page's globals a wait reads, typed by hand: this project is type-checked without the DOM library. A wait is
 * a function that reads them through `globalThis as unknown as PageScope`, and what it needs from the test comes
 * as its argument: Playwright polls a string predicate with eval, which the page's CSP refuses.
 */
export interface PageScope {
  document: {
    title: string;
    documentElement: { lang: string };
    getElementById(id: string): PageElement | null;
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  /** Every reply and update the page has shown (app.js). */
  dimooEvents: WebMessage[];
}

export interface PageElement {
  hidden: boolean;
  textContent: string | null;
  innerText: string;
  dataset: Record<string, string | undefined>;
  /** An `<img>`'s; other elements have none. */
  naturalWidth?: number;
  src?: string;
  complete?: boolean;
}

/**
 * Waits until the suggestions list `list` shows exactly the rows `labels` (each row's label, in order). A row alone
 * is no sign: the list asked for an earlier keystroke stays until the answer for the last one comes.
 */
export function suggestionsShow(page: Page, labels: string[], options?: { timeout?: number; list?: string }) {
  return page.waitForFunction(
    ([list, want]) => {
      const { document } = globalThis as unknown as PageScope;
      const rows = Array.from(
        document.querySelectorAll(`${list} li .palette-label`),
        (row) => row.textContent,
      );
      return document.querySelector(list)?.hidden === false && JSON.stringify(rows) === JSON.stringify(want);
    },
    [options?.list ?? '#palette', labels] as const,
    { timeout: options?.timeout ?? 30_000 },
  );
}

/**
 * Waits until every image `selector` finds has loaded (a result's image is in the message before its pixels are):
 * what depends on their size (the layout, the scroll position) is read after.
 */
export function imagesLoaded(page: Page, selector: string, options?: { timeout?: number }) {
  return page.waitForFunction(
    (images) =>
      Array.from((globalThis as unknown as PageScope).document.querySelectorAll(images)).every(
        (img) => img.complete === true && (img.naturalWidth ?? 0) > 0,
      ),
    selector,
    options,
  );
}

/**
 * The jobs that `sending` (a line sent from the composer) made, read from the server's answer to that very post, in
 * its order (a permutation's first, then the others'). A count of messages or results is no sign of them: an earlier
 * job still running, or one whose event overtakes this answer, adds to those counts too.
 */
export async function jobsOfSent(page: Page, sending: () => Promise<unknown>): Promise<string[]> {
  const answer = page.waitForResponse(
    (response) => response.request().method() === 'POST' && response.url().endsWith('/api/messages'),
  );
  await sending();
  const msg = (await (await answer).json()) as WebMessage;
  const jobs = [msg, ...(msg.more ?? [])].flatMap((m) => (m.jobId ? [m.jobId] : []));
  if (jobs.length === 0) throw new Error(`the line made no job: ${JSON.stringify(msg.lines)}`);
  return jobs;
}

/**
 * Waits until each of `jobs` shows its final message with a result image, and gives them in the page's order (an
 * event that overtook the answer can put a later job's message first).
 */
export async function resultsOf(
  page: Page,
  jobs: string[],
  options?: { timeout?: number },
): Promise<string[]> {
  const finals = '#log li.bot[data-state=final]';
  for (const job of jobs)
    await page.locator(`${finals}[data-job="${job}"] img.result`).first().waitFor(options);
  const shown = (await page
    .locator(finals)
    .evaluateAll((items) =>
      items.map((li) => (li as unknown as { dataset: Record<string, string> }).dataset.job),
    )) as string[];
  return shown.filter((job) => jobs.includes(job));
}

/** Waits until the page shows more than `n` bot messages. */
export function botCountAbove(page: Page, n: number, options?: { timeout?: number }) {
  return page.waitForFunction(
    (least) => (globalThis as unknown as PageScope).document.querySelectorAll('#log li.bot').length > least,
    n,
    options,
  );
}

/** Waits until the last bot message is final (and, with `above`, there are more than that many). */
export function lastBotFinal(page: Page, options: { timeout?: number }, above?: number) {
  return page.waitForFunction(
    (more) => {
      const l = (globalThis as unknown as PageScope).document.querySelectorAll('#log li.bot');
      return (more === null || l.length > more) && l[l.length - 1]?.dataset.state === 'final';
    },
    above ?? null,
    options,
  );
}

/**
 * The real services on the generated checkpoint (`openE2eServices` as `name`, no rate limit, ten jobs a user) and
 * a playground over them that answers a missing image with the web's own message; the suite starts the services.
 */
export async function openBrowserStack(
  name: string,
): Promise<{ services: Services; playground: PlaygroundStack }> {
  const opened = await openE2eServices(name, {
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    QUEUE_MAX_PER_USER: '10',
  });
  const services = opened.services;
  const playground = playgroundOnServices(opened, {
    platforms: { web: { imageMissingKey: 'web.needs_image' } },
    randomModel: services.bundledModel,
  });
  return { services, playground };
}

/** A started `openBrowserStack` on a free port, its services running, and a page open on it. */
export interface BrowserPlayground extends BrowserPage {
  services: Services;
  playground: PlaygroundStack;
  server: Playground;
}

/** What the UX and audit suites start from in their `beforeAll`; `closeBrowserPlayground` in their `afterAll`. */
export async function openBrowserPlayground(name: string): Promise<BrowserPlayground> {
  mkdirSync(artifacts, { recursive: true });
  const { services, playground } = await openBrowserStack(name);
  const { server } = await playground.start();
  services.start();
  return { services, playground, server, ...(await openBrowserPage(server.url)) };
}

/** A playground on the timed engine double and a page open on it, filled in before the suite. */
export interface DoublePlaygroundPage extends BrowserPage {
  stack: PlaygroundOnDouble;
  server: Playground;
}

export interface DoublePlaygroundPageOptions {
  /** Whether the queue runs the jobs sent (default: no, every job stays waiting). */
  run?: boolean;
  /** The playground's settings (`PlaygroundStack.start`). */
  settings?: PlaygroundSettings;
  /** The page's own options (`openBrowserPage`). */
  page?: BrowserContextOptions;
  /** Added to the commands' options (the playground's own profile, `PLAYGROUND_PROFILE`). */
  commands?: Partial<CommandsOptions>;
  /** The engine double the jobs run on (default: a fresh timed one); a held one lets the test say when a run ends. */
  engine?: TimedEngineDouble;
}

/**
 * What the suites on the double share: before the suite, `openPlaygroundOnDouble(name, env)` (on `options.engine`)
 * started, and a page open on it; after it, both closed.
 */
export function useDoublePlaygroundPage(
  name: string,
  env: Record<string, string> = {},
  options: DoublePlaygroundPageOptions = {},
): DoublePlaygroundPage {
  const opened = {} as DoublePlaygroundPage;
  beforeAll(async () => {
    opened.stack = openPlaygroundOnDouble(name, env, options.commands, options.engine);
    ({ server: opened.server } = await opened.stack.start(options.settings));
    if (options.run) opened.stack.jobs.queue.start();
    Object.assign(opened, await openBrowserPage(opened.server.url, { page: options.page }));
  }, 60_000);
  afterAll(async () => {
    await opened.browser?.close();
    await opened.stack?.close();
  });
  return opened;
}

export async function closeBrowserPlayground(opened: Partial<BrowserPlayground>): Promise<void> {
  await opened.browser?.close();
  await opened.playground?.close();
}

/**
 * Runs `body` with a test double around the real engine that holds the text-to-image job for `prompt` before its
 * first step until it is cancelled (so a click on Cancel never races a job that finished first); the engine is
 * put back after.
 */
export async function withHeldJob(services: Services, prompt: string, body: () => Promise<void>) {
  const engine = services.engine;
  if (!engine) throw new Error('the playground test needs the local engine');
  const real = engine.generate.bind(engine);
  engine.generate = async (request, options) => {
    if (request.task === 'text_to_image' && request.prompt === prompt) {
      const signal = options?.signal;
      await new Promise<void>((resolve) => {
        if (!signal || signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    return real(request, options);
  };
  try {
    await body();
  } finally {
    engine.generate = real;
  }
}
