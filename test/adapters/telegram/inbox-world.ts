// What the inbox's crash and restart tests share: the fake Bot API, one DATA_DIR across the runs of a test, the bot
// in a child process (fixtures/telegram-child.ts) to kill with SIGKILL or in this process to stop as the app does,
// and a look into the inbox table itself.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Chat, Message } from 'grammy/types';
import { afterAll, afterEach, beforeEach, expect } from 'vitest';
import { startTelegram, type TelegramTesting } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Services } from '../../../src/services.js';
import {
  type FakeTelegram,
  startFakeTelegram,
  type TelegramCall,
} from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';
import { jobIdIn } from './telegram-on-fake.js';

const root = join(import.meta.dirname, '..', '..', '..');
export const TOKEN = '123456:ABCdefGHIjklMNOpqrSTUvwxyz';
/** Longer than any test waits for it: a download held so is still held when the process is killed. */
export const HELD_MS = 20_000;

export interface ChildBot {
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
  /** Where its webhook listens, in webhook mode. */
  webhookPort?: number;
}

export interface HereBot {
  services: Services;
  running: Awaited<ReturnType<typeof startTelegram>>;
  /** As the app stops on SIGTERM: the worker drains, the adapter stops, the store closes. */
  stop(): Promise<void>;
}

export class InboxWorld {
  fake!: FakeTelegram;
  dataDir!: string;
  private readonly children: ChildProcess[] = [];
  private here?: HereBot;

  async setUp(): Promise<void> {
    this.fake = await startFakeTelegram({ maxLongPollMs: 200, token: TOKEN });
    this.dataDir = mkdtempSync(join(tmpdir(), 'dimoo-telegram-inbox-'));
  }

  async tearDown(): Promise<void> {
    for (const child of this.children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await this.stopHere();
    await this.fake.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** The bot in a process of its own on the test's DATA_DIR, once it polls (or its webhook is set). */
  async startChild(env: Record<string, string> = {}): Promise<ChildBot> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/adapters/telegram/fixtures/telegram-child.ts'],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          DATA_DIR: this.dataDir,
          TELEGRAM_TOKEN: TOKEN,
          FAKE_API_ROOT: this.fake.apiRoot,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.children.push(child);
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
    const port = /^webhook (\d+)$/m.exec(output)?.[1];
    return { child, output: () => output, exited, ...(port ? { webhookPort: Number(port) } : {}) };
  }

  /** The bot in this process on the test's DATA_DIR; `env` adds to its variables, `testing` to the adapter's. */
  async startHere(env: Record<string, string> = {}, testing: TelegramTesting = {}): Promise<HereBot> {
    const { config, log, services } = openDoubleServices(
      'telegram-inbox',
      { DATA_DIR: this.dataDir, TELEGRAM_TOKEN: TOKEN, RATE_LIMIT_PER_MINUTE: '0', ...env },
      new TimedEngineDouble(20, 3),
    );
    const running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
      apiRoot: this.fake.apiRoot,
      editIntervalMs: { private: 30, group: 60 },
      ...testing,
    });
    services.start();
    let stopped: Promise<void> | undefined;
    const here: HereBot = {
      services,
      running,
      stop: () => {
        stopped ??= (async () => {
          await services.jobs.queue.stop({ waitMs: 2000 });
          await running.stop();
          await services.close();
        })();
        return stopped;
      },
    };
    this.here = here;
    return here;
  }

  async stopHere(): Promise<void> {
    await this.here?.stop();
    this.here = undefined;
  }

  /** The update ids kept in the inbox table now. */
  keptUpdates(): number[] {
    const db = new Database(join(this.dataDir, 'jobs.sqlite'), { readonly: true });
    try {
      return (db.prepare('SELECT update_id FROM inbox').all() as Array<{ update_id: number }>).map(
        (r) => r.update_id,
      );
    } finally {
      db.close();
    }
  }

  /** `message` kept in the inbox as an update whose handling was tried twice already: the next start gives it up. */
  keptTriedTwice(updateId: number, message: Message): void {
    const db = new Database(join(this.dataDir, 'jobs.sqlite'));
    try {
      db.prepare('INSERT INTO inbox (update_id, received_at, attempts, body) VALUES (?, ?, 2, ?)').run(
        updateId,
        Date.now(),
        JSON.stringify({ update_id: updateId, message }),
      );
    } finally {
      db.close();
    }
  }

  /**
   * A run of the bot (with `env`) in which group `from` is upgraded to supergroup `to`, seen through (a /help in the
   * new chat answered), then stopped.
   */
  async upgradedThenStopped(
    env: Record<string, string>,
    from: Chat.GroupChat,
    to: Chat.SupergroupChat,
  ): Promise<void> {
    this.fake.state.chats.set(from.id, from);
    await this.startHere(env);
    this.fake.upgradeGroup(from.id, to);
    const after = this.fake.injectText('/help', { chat: to, from: this.fake.world.users.alice });
    await this.fake.waitForCall(answers(after), 10_000);
    await this.stopHere();
  }

  /** The `nth` getFile was answered and the download after it is being held (its failure rule was taken). */
  async downloadHeld(nth: number): Promise<void> {
    await this.fake.waitForCalls('getFile', nth, 15_000);
    await expect.poll(() => this.fake.failures.pending, { timeout: 5000, interval: 10 }).toBe(0);
  }

  /** Polling confirmed the update (fetched the batch after it): Telegram will not deliver it again. */
  confirmed(updateId: number): () => boolean {
    return () => !this.fake.state.updates.pending.some((u) => u.update_id === updateId);
  }

  /** The job `services` made of `request` has run, keyed by the request's message; resolves with its id. */
  async jobRan(services: Services, request: Message): Promise<string> {
    const status = await this.fake.waitForCall(
      (c) => answers(request)(c) && jobIdIn(c) !== undefined,
      15_000,
    );
    const jobId = jobIdIn(status) as string;
    await expect
      .poll(() => services.jobs.store.get(jobId)?.status, { timeout: 15_000, interval: 50 })
      .toBe('done');
    expect(services.jobs.store.get(jobId)?.meta.telegramMessageId).toBe(request.message_id);
    return jobId;
  }
}

/**
 * The world of a test file, set up afresh for each test and torn down after it. A rejection nobody handled fails the
 * test it happened in: a bot stopped or killed mid-request must leave none behind.
 */
export function useInboxWorld(): InboxWorld {
  const unhandled = watchUnhandledRejections();
  const world = new InboxWorld();
  beforeEach(() => world.setUp());
  afterEach(async () => {
    await world.tearDown();
    expect(unhandled.rejections).toEqual([]);
  });
  afterAll(() => unhandled.stop());
  return world;
}

/** kill -9: nothing is stopped, drained or flushed. */
export async function crash(bot: ChildBot): Promise<void> {
  bot.child.kill('SIGKILL');
  await bot.exited;
}

/** A message the bot sent in answer to `request`. */
export const answers = (request: Message) => (c: TelegramCall) =>
  c.method === 'sendMessage' &&
  String(c.params.chat_id) === String(request.chat.id) &&
  c.params.reply_parameters?.message_id === request.message_id;

/**
 * Webhook mode. The URL Telegram is told is never reached (the fake cannot post over TLS): tests post each update
 * themselves, as Telegram would, to the port the bot listens on.
 */
export const WEBHOOK_SECRET = 'hook_secret-1';
export const WEBHOOK_ENV = {
  TELEGRAM_WEBHOOK_URL: 'https://127.0.0.1:1/tg/hook',
  TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
};
/** The child's variables for webhook mode (fixtures/telegram-child.ts). */
export const CHILD_WEBHOOK_ENV = {
  WEBHOOK_URL: WEBHOOK_ENV.TELEGRAM_WEBHOOK_URL,
  WEBHOOK_SECRET,
};

/** Telegram's POST of `update` to the bot's webhook: its status, or a rejection when the connection failed. */
export async function postUpdate(port: number | undefined, update: object): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/tg/hook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
    body: JSON.stringify(update),
  });
  await response.arrayBuffer();
  return response.status;
}
