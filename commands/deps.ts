// What every operation of the commands layer works with: the job queue and store, the limits, a clock and a seed
// source, the rate limiter, the command registry, what rendering needs, and each platform's profile. The
// composition root builds one `Commands` (and so one `CommandDeps`) for every adapter, as discord.js core
// receives `rest` instead of building it.
import type { Config } from '../src/config/index.js';
import type { Job, JobQueueApi, JobStore, Platform } from '../src/jobs/index.js';
import type { UserInputCode } from './errors.js';
import { JobProgress } from './job-progress.js';
import { RateLimiter } from './rate-limit.js';
import type { CommandRegistry } from './registry.js';
import type { RenderDeps } from './render.js';
import type { Reply } from './reply.js';

export type CommandsConfig = Pick<Config, 'limits' | 'defaultLocale'> &
  Partial<Pick<Config, 'describeCache'>>;

export type CommandsLog = (
  level: 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

/**
 * How one platform differs for the commands layer: data, never a branch on a platform's name. Each adapter
 * exports its own; the composition root hands them to `Commands`.
 */
export interface PlatformProfile {
  /** Image results get an "Original file" button (platforms that recompress photos). */
  originalFileButton?: boolean;
  /**
   * Image results show their main buttons and More ▾ for the rest (platforms that stack every row of a keyboard
   * under the picture: Telegram, where a result's full set is seven rows or more).
   */
  compactResults?: boolean;
  /** Extra `help` lines (locale keys) for ways of giving input that only this platform has. */
  helpKeys?: readonly string[];
  /** The help line on giving images (default `help.images`, which speaks of replying to one). */
  helpImagesKey?: string;
  /**
   * The refusal (a locale key with `{command}`) when a command needs an image and none came; platforms say
   * differently how to give one (reply to an image; attach, paste or drop one).
   */
  imageMissingKey?: UserInputCode;
  /**
   * The platform shows a waiting or running job's `etaAt` as a live countdown (the playground's "about … to go",
   * Discord's relative time): the job's line then gives no time of its own, which would go stale beside it.
   */
  countsDownEta?: boolean;
}

export type ResolvedProfile = Required<PlatformProfile>;

export interface CommandsOptions {
  queue: JobQueueApi;
  store: JobStore;
  config: CommandsConfig;
  /**
   * The clock (tests pin it); default the queue's, which stamps its jobs: a job's age or time left is then measured
   * on the clock it was stamped with, even where a shared queue's (Redis's) differs from this machine's.
   */
  now?: () => number;
  /** A uint32 seed source (tests pin it). */
  randomSeed?: () => number;
  log?: CommandsLog;
  /** The commands (tests add fakes); default the bot's registry. */
  registry?: CommandRegistry;
  platforms?: Partial<Record<Platform, PlatformProfile>>;
  /** The engine runs the generated random checkpoint (its text answers are labelled as meaningless). */
  randomModel?: boolean;
}

export interface CommandDeps {
  queue: JobQueueApi;
  store: JobStore;
  config: CommandsConfig;
  now: () => number;
  randomSeed: () => number;
  limiter: RateLimiter;
  /** How far each running job has got (/queue's line). */
  progress: JobProgress;
  render: RenderDeps;
  registry: CommandRegistry;
  log?: CommandsLog;
  profile(platform: Platform): ResolvedProfile;
  /** Shows `reply` on `job`'s status message now, in order with its events (`JobUpdates.restate`). */
  restate(job: Job, reply: Reply): void;
}

export function createDeps(
  options: CommandsOptions,
  registry: CommandRegistry,
  restate: CommandDeps['restate'],
): CommandDeps {
  const now = options.now ?? (() => options.queue.now());
  const profile = (platform: Platform): ResolvedProfile => {
    const given = options.platforms?.[platform] ?? {};
    return {
      originalFileButton: given.originalFileButton ?? false,
      compactResults: given.compactResults ?? false,
      helpKeys: given.helpKeys ?? [],
      helpImagesKey: given.helpImagesKey ?? 'help.images',
      imageMissingKey: given.imageMissingKey ?? 'errors.input.image_missing',
      countsDownEta: given.countsDownEta ?? false,
    };
  };
  return {
    queue: options.queue,
    store: options.store,
    config: options.config,
    now,
    randomSeed: options.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 32)),
    // A shared queue's front-ends count a user's submissions together.
    limiter: new RateLimiter(
      options.config.limits.rateLimitPerMinute,
      options.queue.takeRateSlot?.bind(options.queue),
    ),
    // Heard from now on, whether or not an adapter listens for job updates: /queue asks at any time.
    progress: new JobProgress(options.queue),
    render: {
      store: options.store,
      defaultLocale: options.config.defaultLocale,
      now,
      paceKnown: () => options.queue.paceKnown,
      workersRunning: () => options.queue.workersRunning !== false,
      originalFileButton: (job) => profile(job.owner.platform).originalFileButton,
      compactResults: (job) => profile(job.owner.platform).compactResults,
      countsDownEta: (job) => profile(job.owner.platform).countsDownEta,
      randomModel: options.randomModel,
    },
    registry,
    log: options.log,
    profile,
    restate,
  };
}
