// The Telegram adapter with the real grammY client against the fake Bot API, on the fast engine double: what the
// Telegram e2e tests start from. The fake, the services and the adapter stop in that order's reverse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, User } from 'grammy/types';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { Delivery } from '../../../adapters/shared/job-status.js';
import { startTelegram, type TelegramTesting } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Services } from '../../../src/services.js';
import {
  type FakeTelegram,
  startFakeTelegram,
  type TelegramCall,
} from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import type { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

export interface TelegramOnFake {
  fake: FakeTelegram;
  services: Services;
  running: Awaited<ReturnType<typeof startTelegram>>;
  commands: ReturnType<typeof buildCommands>;
  /** How each job's ending reached the chat. */
  deliveries: Map<string, Delivery>;
  /** Waits until the job's ending reached the chat (edited, replied or undelivered); 15 s unless told. */
  ended(jobId: string, timeoutMs?: number): Promise<void>;
  /** The status message answering `request` (a sent message replying to it that names a job). */
  statusOf(request: Message): Promise<{ jobId: string; messageId: number; at: number; call: TelegramCall }>;
  /** The edit with which a job that replaced `old` (an edited request's) takes over its status message. */
  takeoverOf(old: { jobId: string; messageId: number }, chatId?: number): Promise<TelegramCall>;
  stop(): Promise<void>;
}

/** The waits on a started bot; they read `bot` when called, so it may be filled in later. */
function waitsOn(
  bot: Pick<TelegramOnFake, 'fake' | 'deliveries'>,
): Pick<TelegramOnFake, 'ended' | 'statusOf' | 'takeoverOf'> {
  return {
    ended: (jobId, timeoutMs = 15_000) =>
      expect.poll(() => bot.deliveries.get(jobId), { timeout: timeoutMs, interval: 20 }).toBeDefined(),
    statusOf: async (request) => {
      const call = await bot.fake.waitForCall(
        (c) =>
          c.method === 'sendMessage' &&
          inChat(request.chat.id)(c) &&
          c.params.reply_parameters?.message_id === request.message_id &&
          jobIdIn(c) !== undefined,
        10_000,
      );
      return {
        jobId: jobIdIn(call) as string,
        messageId: (call.result as Message).message_id,
        at: call.at,
        call,
      };
    },
    takeoverOf: (old, chatId) =>
      bot.fake.waitForCall(
        (c) =>
          c.method === 'editMessageText' &&
          (chatId === undefined || String(c.params.chat_id) === String(chatId)) &&
          c.params.message_id === old.messageId &&
          jobIdIn(c) !== undefined &&
          jobIdIn(c) !== old.jobId,
        10_000,
      ),
  };
}

/** What the bot starts with: `env` adds to the bot's variables, `testing` to the adapter's test options. */
export interface TelegramOnFakeOptions {
  env?: Record<string, string>;
  testing?: Omit<TelegramTesting, 'apiRoot'>;
  /** Arms the fake (failures, slow methods) before the bot's first call. */
  beforeStart?: (fake: FakeTelegram) => void;
}

/** Starts it all; `env` adds to the bot's variables, `testing` to the adapter's test options (fast edits). */
export async function startTelegramOnFake(
  name: string,
  engine: TimedEngineDouble,
  options: TelegramOnFakeOptions = {},
): Promise<TelegramOnFake> {
  const fake = await startFakeTelegram({ maxLongPollMs: 200, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  options.beforeStart?.(fake);
  const opened = openDoubleServices(
    name,
    { TELEGRAM_TOKEN: fake.token, RATE_LIMIT_PER_MINUTE: '0', ...options.env },
    engine,
  );
  const { config, log, services } = opened;
  const deliveries = new Map<string, Delivery>();
  const commands = buildCommands({ config, log }, services);
  const running = await startTelegram({ config, log }, services, commands, {
    apiRoot: fake.apiRoot,
    editIntervalMs: { private: 30, group: 60 },
    onDelivery: (jobId, delivery) => deliveries.set(jobId, delivery),
    ...options.testing,
  });
  services.start();
  return {
    fake,
    services,
    running,
    commands,
    deliveries,
    ...waitsOn({ fake, deliveries }),
    stop: async () => {
      await running.stop();
      await services.close();
      await fake.stop();
    },
  };
}

/**
 * The same start shared by a file's tests: the bot starts before them and stops after them, and after each test no
 * unhandled rejection may have come (a file's own `afterEach`, registered later, runs before that check). The
 * returned object is filled in `beforeAll`; its waits (`ended`, `statusOf`, `takeoverOf`) may be taken before.
 */
export function useTelegramOnFake(
  name: string,
  engine: TimedEngineDouble,
  options: TelegramOnFakeOptions = {},
): TelegramOnFake {
  const unhandled = watchUnhandledRejections();
  const bot = {} as TelegramOnFake;
  Object.assign(bot, waitsOn(bot));
  beforeAll(async () => {
    Object.assign(bot, await startTelegramOnFake(name, engine, options));
  }, 60_000);
  afterEach(() => {
    expect(unhandled.rejections).toEqual([]);
  });
  afterAll(async () => {
    unhandled.stop();
    await bot.stop?.();
  });
  return bot;
}

/** One run of the bot: its services, until `restart` stops it. */
export interface TelegramRun {
  services: Services;
  stop(): Promise<void>;
}

/** A bot that a test stops and starts again on the same DATA_DIR, the fake keeping its chats and updates. */
export interface RestartingTelegram {
  /** The test's fake, filled in `beforeEach`. */
  fake: FakeTelegram;
  /** The test's first run, on `engine` (the job system on it, the adapter on the fake). */
  start(engine: TimedEngineDouble): Promise<TelegramRun>;
  /** Stops the run, has the fake deliver the updates `redeliver` again, and starts a new run on the same engine. */
  restart(redeliver?: number[]): Promise<TelegramRun>;
}

/**
 * A fresh fake and DATA_DIR before each test, which starts the bot itself; after each test the run and the fake
 * stop, and no unhandled rejection may have come. `name` names the services' logs.
 */
export function useRestartingTelegram(name: string): RestartingTelegram {
  const unhandled = watchUnhandledRejections();
  let dataDir = '';
  let engine: TimedEngineDouble | undefined;
  let run: TelegramRun | undefined;
  const open = async (on: TimedEngineDouble): Promise<TelegramRun> => {
    engine = on;
    const { config, log, services } = openDoubleServices(
      name,
      { DATA_DIR: dataDir, TELEGRAM_TOKEN: bot.fake.token, RATE_LIMIT_PER_MINUTE: '0' },
      on,
    );
    const running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
      apiRoot: bot.fake.apiRoot,
      editIntervalMs: { private: 30, group: 60 },
    });
    services.start();
    run = {
      services,
      // The app's order on SIGTERM: the worker drains, the adapter stops, the store closes.
      stop: async () => {
        await services.jobs.queue.stop({ waitMs: 2000 });
        await running.stop();
        await services.close();
      },
    };
    return run;
  };
  const bot: RestartingTelegram = {
    fake: undefined as unknown as FakeTelegram,
    start: open,
    restart: async (redeliver = []) => {
      if (!engine) throw new Error('restart before start');
      await run?.stop();
      for (const id of redeliver) bot.fake.redeliver(id);
      return open(engine);
    },
  };
  beforeEach(async () => {
    bot.fake = await startFakeTelegram({ maxLongPollMs: 200, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
    dataDir = mkdtempSync(join(tmpdir(), `dimoo-${name}-`));
  }, 60_000);
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    engine = undefined;
    await bot.fake.stop();
    rmSync(dataDir, { recursive: true, force: true });
    expect(unhandled.rejections).toEqual([]);
  });
  afterAll(() => unhandled.stop());
  return bot;
}

/** A maker of users, each in a private chat of its own: ids from `after` + 1 on. */
export function newUsers(after: number): () => User {
  let nextUser = after;
  return () => {
    nextUser += 1;
    return { id: nextUser, is_bot: false, first_name: `User${nextUser}`, language_code: 'en' };
  };
}

/** A call to the chat `chatId`. */
export const inChat = (chatId: number) => (call: TelegramCall) => call.params.chat_id === chatId;

/** A call in the chat of `message` that replies to it. */
export const repliesTo = (message: Message) => (c: TelegramCall) =>
  String(c.params.chat_id) === String(message.chat.id) &&
  JSON.stringify(c.params.reply_parameters ?? '').includes(`"message_id":${message.message_id}`);

/** A sent message's text or a photo's caption. */
export const textOf = (call: { params: Record<string, unknown> }) =>
  String(call.params.text ?? call.params.caption ?? '');

/** The job a status message or result names in its Cancel or Re-roll button. */
export const jobIdIn = (call: { params: Record<string, unknown> }) =>
  /(?:cancel|reroll):([0-9a-f-]{36})/.exec(JSON.stringify(call.params.reply_markup ?? ''))?.[1];

/**
 * A finished result of `from`'s (a 2-step /imagine in their private chat), and the question its `button` asked (the
 * bot's message to reply to), found by the question's `label`.
 */
export async function askedOn(
  fake: FakeTelegram,
  from: User,
  button: string,
  label: string,
): Promise<{ jobId: string; question: Message; ask: TelegramCall }> {
  const toChat = (c: TelegramCall) => String(c.params.chat_id) === String(from.id);
  fake.injectText('/imagine a lighthouse --steps 2', { from });
  const result = await fake.waitForCall((c) => c.method === 'sendPhoto' && toChat(c), 15_000);
  const jobId = jobIdIn(result) as string;
  const photo = fake.message(from.id, (result.result as Message).message_id) as Message;
  fake.injectCallbackQuery(photo, `${button}:${jobId}`, from);
  const ask = await fake.waitForCall(
    (c) => c.method === 'sendMessage' && toChat(c) && textOf(c).startsWith(label),
    15_000,
  );
  return { jobId, question: fake.message(from.id, (ask.result as Message).message_id) as Message, ask };
}
