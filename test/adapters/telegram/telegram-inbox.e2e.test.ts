// Updates confirmed to Telegram before they were handled survive a crash (adapters/telegram/inbox.ts). The bot runs
// in a child process against the fake Bot API and is killed with SIGKILL while it handles a request (its photo's
// download held), after polling confirmed the update: Telegram will not send it again. The next start, on the same
// DATA_DIR, handles it. An update whose handling kills the process every time is given up after two runs tried it,
// and a graceful stop that answered an update leaves nothing to handle again.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Message } from 'grammy/types';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Services } from '../../../src/services.js';
import {
  type FakeTelegram,
  startFakeTelegram,
  type TelegramCall,
} from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices, solidPng } from '../e2e-services.js';
import { jobIdIn } from './telegram-on-fake.js';

const root = join(import.meta.dirname, '..', '..', '..');
const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxyz';
/** Longer than any test waits for it: the download is still held when the process is killed. */
const HELD_MS = 20_000;

const unhandled = watchUnhandledRejections();
const children: ChildProcess[] = [];
let fake: FakeTelegram;
let dataDir: string;
let here: { stop(): Promise<void> } | undefined;

beforeEach(async () => {
  fake = await startFakeTelegram({ maxLongPollMs: 200, token: TOKEN });
  dataDir = mkdtempSync(join(tmpdir(), 'dimoo-telegram-inbox-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await here?.stop();
  here = undefined;
  await fake.stop();
  rmSync(dataDir, { recursive: true, force: true });
  expect(unhandled.rejections).toEqual([]);
});

afterAll(() => unhandled.stop());

interface ChildBot {
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

/** The bot in a process of its own on the test's DATA_DIR, once it polls. */
async function startChild(env: Record<string, string> = {}): Promise<ChildBot> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/adapters/telegram/fixtures/telegram-child.ts'],
    {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DATA_DIR: dataDir,
        TELEGRAM_TOKEN: TOKEN,
        FAKE_API_ROOT: fake.apiRoot,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await expect
    .poll(() => (child.exitCode === null ? /^ready$/m.test(output) : output), {
      timeout: 30_000,
      interval: 50,
    })
    .toBe(true);
  return { child, output: () => output, exited };
}

/** kill -9: nothing is stopped, drained or flushed. */
async function crash(bot: ChildBot): Promise<void> {
  bot.child.kill('SIGKILL');
  await bot.exited;
}

/** The bot in this process on the test's DATA_DIR, stopped as the app stops on SIGTERM. */
async function startHere(): Promise<Services> {
  const { config, log, services } = openDoubleServices(
    'telegram-inbox',
    { DATA_DIR: dataDir, TELEGRAM_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0' },
    new TimedEngineDouble(20, 3),
  );
  const running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
    apiRoot: fake.apiRoot,
    editIntervalMs: { private: 30, group: 60 },
  });
  services.start();
  here = {
    stop: async () => {
      await services.jobs.queue.stop({ waitMs: 2000 });
      await running.stop();
      await services.close();
    },
  };
  return services;
}

/** Polling confirmed the update (fetched the batch after it): Telegram will not deliver it again. */
const confirmed = (updateId: number) => () =>
  !fake.state.updates.pending.some((u) => u.update_id === updateId);

const answers = (request: Message) => (c: TelegramCall) =>
  c.method === 'sendMessage' &&
  String(c.params.chat_id) === String(request.chat.id) &&
  c.params.reply_parameters?.message_id === request.message_id;

const keptUpdates = () => {
  const db = new Database(join(dataDir, 'jobs.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT update_id FROM inbox').all() as Array<{ update_id: number }>).map(
      (r) => r.update_id,
    );
  } finally {
    db.close();
  }
};

/** The `nth` getFile was answered and the download after it is being held (its failure rule was taken). */
async function downloadHeld(nth: number): Promise<void> {
  await fake.waitForCalls('getFile', nth, 15_000);
  await expect.poll(() => fake.failures.pending, { timeout: 5000, interval: 10 }).toBe(0);
}

/** An /edit whose photo download is held, once its handling has begun and polling confirmed it. */
async function editBeingHandled(): Promise<{ request: Message; update: number }> {
  const photo = fake.registerFile(await solidPng('#369'));
  fake.slowDown('downloadFile', HELD_MS);
  const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
  const update = fake.lastUpdateId;
  await downloadHeld(1);
  await expect.poll(confirmed(update), { timeout: 5000, interval: 10 }).toBe(true);
  return { request, update };
}

describe('Telegram updates taken before a crash', { timeout: 90_000 }, () => {
  it('a request being handled when the process is killed is handled at the next start', async () => {
    const first = await startChild();
    const { request } = await editBeingHandled();
    await crash(first);
    expect(fake.callsTo(answers(request))).toEqual([]);

    const services = await startHere();
    const status = await fake.waitForCall((c) => answers(request)(c) && jobIdIn(c) !== undefined, 15_000);
    const jobId = jobIdIn(status) as string;
    await expect
      .poll(() => services.jobs.store.get(jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('done');
    expect(services.jobs.store.get(jobId)?.meta.telegramMessageId).toBe(request.message_id);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(keptUpdates()).toEqual([]);
  });

  it('an album still gathering when the process is killed is handled at the next start', async () => {
    // It gathers far longer than the test: only the crash can end it.
    const first = await startChild({ ALBUM_QUIET_MS: '60000' });
    const [image, mask] = await Promise.all([solidPng('#963'), solidPng('#fff')]);
    const items = [
      fake.injectPhoto(fake.registerFile(image), { caption: '/retouch a hat', mediaGroupId: 'a1' }),
      fake.injectPhoto(fake.registerFile(mask), { mediaGroupId: 'a1' }),
    ];
    const last = fake.lastUpdateId;
    await expect.poll(confirmed(last), { timeout: 5000, interval: 10 }).toBe(true);
    // A chat's updates are handled in order: once a later one is answered, both items were taken.
    const marker = fake.injectText('/help');
    await fake.waitForCall(answers(marker), 15_000);
    // The marker's handling ended (its row went with it); the album's items stay kept while it gathers.
    await expect.poll(keptUpdates, { timeout: 5000, interval: 20 }).toEqual([last - 1, last]);
    await crash(first);
    expect(fake.callsTo('getFile')).toEqual([]);

    const services = await startHere();
    const status = await fake.waitForCall(
      (c) => answers(items[0] as Message)(c) && jobIdIn(c) !== undefined,
      15_000,
    );
    const jobId = jobIdIn(status) as string;
    await expect
      .poll(() => services.jobs.store.get(jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('done');
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(fake.callsTo(answers(marker))).toHaveLength(1);
  });

  it('an update whose handling kills the process every time is given up after two tries', async () => {
    const first = await startChild();
    const { request, update } = await editBeingHandled();
    await crash(first);
    // Handled again at the next start, and killed again in its download.
    fake.slowDown('downloadFile', HELD_MS);
    const second = await startChild();
    await downloadHeld(2);
    await crash(second);
    expect(keptUpdates()).toEqual([update]);

    const third = await startChild();
    const marker = fake.injectText('/help', { from: request.from });
    await fake.waitForCall(answers(marker), 15_000);
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(fake.callsTo(answers(request))).toEqual([]);
    const givenUp = third
      .output()
      .split('\n')
      .filter((line) => line.includes('telegram update given up'))
      .map((line) => JSON.parse(line) as { update: number; attempts: number; kind: string });
    expect(givenUp).toEqual([expect.objectContaining({ update, attempts: 2, kind: 'message' })]);
    // The marker's row goes once its handler is done, just after its answer.
    await expect.poll(keptUpdates, { timeout: 5000, interval: 20 }).toEqual([]);
  });

  it('a graceful stop that answered an update leaves nothing to handle again', async () => {
    await startHere();
    const photo = fake.registerFile(await solidPng('#963'));
    fake.slowDown('downloadFile', 1500);
    const request = fake.injectPhoto(photo, { caption: '/edit make the sky green' });
    await fake.waitForCall('getFile', 15_000);
    await here?.stop();
    here = undefined;
    // The stopping queue's refusal answered it.
    expect(fake.callsTo(answers(request))).toHaveLength(1);
    expect(keptUpdates()).toEqual([]);

    await startHere();
    const marker = fake.injectText('/help', { from: request.from });
    await fake.waitForCall(answers(marker), 15_000);
    expect(fake.callsTo('getFile')).toHaveLength(1);
    expect(fake.callsTo(answers(request))).toHaveLength(1);
  });
});
