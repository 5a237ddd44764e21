// A Discord bot on the fast engine double, against a fresh fake Discord: the start the lifecycle tests share. Each
// job's ending (edited, replied, undelivered) is recorded in `deliveries`; unhandled rejections fail the file.
// The same bot on the real engine (a generated checkpoint), for the tests whose answers carry the pictures; and the
// fake's routes the tests watch.
import type { APIMessage } from 'discord.js';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { DiscordBot } from '../../../adapters/discord/bot.js';
import { startDiscord } from '../../../adapters/discord/index.js';
import type { Delivery } from '../../../adapters/shared/job-status.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Config } from '../../../src/config/index.js';
import type { Logger } from '../../../src/log.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices, openE2eServices, solidPng } from '../e2e-services.js';

/** An interaction's immediate answer. */
export const CALLBACK = 'POST /interactions/:id/:token/callback';
/** An edit of an interaction's answer (its @original, or a follow-up). */
export const EDIT = 'PATCH /webhooks/:app/:token/messages/:message';
/** A follow-up message of an interaction. */
export const FOLLOW_UP = 'POST /webhooks/:app/:token';
/** A message posted to a channel (or a DM). */
export const CHANNEL_POST = 'POST /channels/:channel/messages';
/** An edit of a channel's message. */
export const CHANNEL_EDIT = 'PATCH /channels/:channel/messages/:message';

/** The adapter's test options. */
type DiscordTesting = NonNullable<Parameters<typeof startDiscord>[3]>;
type RunningDiscord = Awaited<ReturnType<typeof startDiscord>>;

/** Starts the adapter on `opened` against `fake`, then the job worker. */
async function startOnFake(
  fake: FakeDiscord,
  opened: { config: Config; log: Logger; services: Services },
  options: DiscordTesting,
): Promise<RunningDiscord> {
  const context = { config: opened.config, log: opened.log };
  const running = await startDiscord(context, opened.services, buildCommands(context, opened.services), {
    rest: fake.clientOptions().rest,
    cdnHosts: fake.cdnHosts,
    ...options,
  });
  opened.services.start();
  return running;
}

export interface DoubleBot {
  fake: FakeDiscord;
  services: Services;
  bot: DiscordBot;
  deliveries: Map<string, Delivery>;
  /** The bot's logger (silent): spy on it to count warnings. */
  log: Logger;
  /** The job an interaction's first answer with a Cancel or Re-roll button names. */
  queuedJob(ix: { id: string; token: string }): Promise<string>;
  /** An /imagine of `prompt` in `channelId` (a channel or thread), and the job it queued. */
  imagineIn(
    channelId: string,
    prompt: string,
  ): Promise<{ ix: ReturnType<FakeDiscord['dispatchInteraction']>; jobId: string }>;
  /** An /imagine of `prompt` by `user` (Alice unless told), and the job it queued. */
  imagineAs(
    prompt: string,
    user?: SlashUser,
  ): Promise<{ ix: ReturnType<FakeDiscord['dispatchInteraction']>; jobId: string }>;
  /** Waits until the job's ending reached the chat (edited, replied or undelivered). */
  ended(jobId: string): Promise<void>;
}

/** Every job so far, in any state, whose request names `word` (in its prompt or instruction). */
export const jobsAsking = (services: Services, word: string) =>
  services.jobs.store
    .byStatus('queued', 'running', 'done', 'failed', 'cancelled')
    .filter((job) => JSON.stringify(job.request).includes(word));

/** The job a message body names in its Cancel or Re-roll button. */
export const jobIdIn = (body: unknown) => /(?:cancel|reroll):([0-9a-f-]{36})/.exec(JSON.stringify(body))?.[1];

/**
 * A mention of the bot saying `text` with two images (a.png, b.png), and the picker it is answered with (which of
 * the two the command takes): its select's custom id and the message carrying it, once posted.
 */
export async function mentionWithTwoImages(
  fake: FakeDiscord,
  text: string,
): Promise<{ customId: string; picker: APIMessage }> {
  const ask = fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      attachments: [
        fake.registerAttachment({ filename: 'a.png', bytes: await solidPng('#a22') }),
        fake.registerAttachment({ filename: 'b.png', bytes: await solidPng('#2a2') }),
      ],
    }),
  );
  const customId = `pick:mention:${ask.id}`;
  await fake.waitForCall((c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(customId));
  const picker = [...fake.store.messages.values()].find((m) =>
    JSON.stringify(m.components ?? []).includes(customId),
  ) as APIMessage;
  return { customId, picker };
}

/** Starts the bot before the file's tests and stops it after; the returned object is filled in `beforeAll`. */
export function useDiscordOnDouble(
  name: string,
  env: Record<string, string>,
  options: { notifyAfterMs?: number; engine?: TimedEngineDouble } = {},
): DoubleBot {
  const { engine = new TimedEngineDouble(40, 6), ...testing } = options;
  const unhandled = watchUnhandledRejections();
  const world = {
    deliveries: new Map<string, Delivery>(),
    queuedJob: async (ix) => {
      const call = await world.fake.waitForCall(
        (c) => world.fake.answerOf(ix)(c) && jobIdIn(c.body) !== undefined,
        10_000,
      );
      return jobIdIn(call.body) as string;
    },
    imagineIn: async (channelId, prompt) => {
      const ix = world.fake.dispatchInteraction(
        world.fake.build.slashCommand({ name: 'imagine', options: { prompt }, channelId }),
      );
      return { ix, jobId: await world.queuedJob(ix) };
    },
    imagineAs: async (prompt, user = world.fake.world.users.alice) => {
      const ix = world.fake.dispatchInteraction(
        world.fake.build.slashCommand({ name: 'imagine', options: { prompt }, user }),
      );
      return { ix, jobId: await world.queuedJob(ix) };
    },
    ended: (jobId) =>
      expect.poll(() => world.deliveries.get(jobId), { timeout: 15_000, interval: 20 }).toBeDefined(),
  } as DoubleBot;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    world.fake = await startFakeDiscord();
    const opened = openDoubleServices(
      name,
      { DISCORD_TOKEN: world.fake.token, RATE_LIMIT_PER_MINUTE: '0', ...env },
      engine,
    );
    world.services = opened.services;
    world.log = opened.log;
    const running = await startOnFake(world.fake, opened, {
      editIntervalMs: 50,
      ...testing,
      onDelivery: (jobId, delivery) => world.deliveries.set(jobId, delivery),
    });
    world.bot = running.bot;
    stop = running.stop;
  }, 60_000);
  afterEach(() => {
    expect(unhandled.rejections).toEqual([]);
  });
  afterAll(async () => {
    unhandled.stop();
    await stop?.();
    await world.services?.close();
    await world.fake?.stop();
  });
  return world;
}

/** A Discord bot on the real engine against a fresh fake Discord. */
export interface EngineBot {
  fake: FakeDiscord;
  services: Services;
  running: RunningDiscord;
}

/**
 * Starts the bot on the real engine before the file's tests and stops it after; `env` adds to the bot's variables
 * (it may name the fake's users and roles), `options` to the adapter's test options (edits 200 ms apart unless told).
 * The returned object is filled in `beforeAll`.
 */
export function useDiscordOnEngine(
  name: string,
  env: (fake: FakeDiscord) => Record<string, string> = () => ({}),
  options: DiscordTesting = {},
): EngineBot {
  const world = {} as EngineBot;
  beforeAll(async () => {
    world.fake = await startFakeDiscord();
    const opened = await openE2eServices(name, {
      DISCORD_TOKEN: world.fake.token,
      RATE_LIMIT_PER_MINUTE: '0',
      ...env(world.fake),
    });
    world.services = opened.services;
    world.running = await startOnFake(world.fake, opened, { editIntervalMs: 200, ...options });
  }, 60_000);
  afterAll(async () => {
    await world.running?.stop();
    await world.services?.close();
    await world.fake?.stop();
  });
  return world;
}

/** The DM channel the fake opens with a user. */
export const dmChannel = (user: { id: string }) => `${user.id}0`;

type SlashUser = Parameters<FakeDiscord['build']['slashCommand']>[0]['user'];

/** `user` sets /settings private: true, and the bot has answered it. */
export async function choosePrivate(fake: FakeDiscord, user: SlashUser): Promise<void> {
  const settings = fake.dispatchInteraction(
    fake.build.slashCommand({ name: 'settings', options: { private: true }, user }),
  );
  await fake.waitForCall(fake.answerOf(settings));
}

/** `count` /imagine jobs of `user` with prompts long enough that a /queue list of 24 is over one message. */
export async function queueLongJobs(world: DoubleBot, user: SlashUser, count: number): Promise<string[]> {
  const jobs: string[] = [];
  for (let n = 1; n <= count; n += 1) {
    const prompt = `a long lantern ${String(n).padStart(2, '0')} `.padEnd(80, 'x');
    const made = world.fake.dispatchInteraction(
      world.fake.build.slashCommand({ name: 'imagine', options: { prompt }, user }),
    );
    jobs.push(await world.queuedJob(made));
  }
  return jobs;
}
