// What every operation of the commands layer works with: the job queue and store, the limits, a clock and a seed
// source, the rate limiter and what rendering needs. The `Commands` facade builds one `CommandDeps` from its
// options and hands it to each operation, as discord.js core receives `rest` instead of building it.
import type { Config } from '../src/config/index.js';
import type { JobQueueApi, JobStore } from '../src/jobs/index.js';
import { RateLimiter } from './rate-limit.js';
import type { RenderDeps } from './render.js';

export type CommandsConfig = Pick<Config, 'limits' | 'defaultLocale'>;

export type CommandsLog = (
  level: 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface CommandsOptions {
  queue: JobQueueApi;
  store: JobStore;
  config: CommandsConfig;
  now?: () => number;
  /** A uint32 seed source (tests pin it). */
  randomSeed?: () => number;
  log?: CommandsLog;
  /** Image results get an "Original file" button (platforms that recompress photos). */
  originalFileButton?: boolean;
  /** Extra `help` lines (locale keys) for ways of giving input that only one platform has. */
  helpKeys?: readonly string[];
  /** The help line on giving images (default `help.images`, which speaks of replying to one). */
  helpImagesKey?: string;
  /**
   * The refusal (a locale key with `{command}`) when a typed command needs an image and none came; platforms say
   * differently how to give one (reply to an image; attach, paste or drop one).
   */
  imageMissingKey?: string;
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
  render: RenderDeps;
  log?: CommandsLog;
  helpKeys: readonly string[];
  helpImagesKey: string;
  imageMissingKey: string;
}

export function createDeps(options: CommandsOptions): CommandDeps {
  const now = options.now ?? Date.now;
  return {
    queue: options.queue,
    store: options.store,
    config: options.config,
    now,
    randomSeed: options.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 32)),
    limiter: new RateLimiter(options.config.limits.rateLimitPerMinute),
    render: {
      store: options.store,
      defaultLocale: options.config.defaultLocale,
      now,
      expectedMs: (job) => options.queue.expectedMs(job),
      originalFileButton: options.originalFileButton,
      randomModel: options.randomModel,
    },
    log: options.log,
    helpKeys: options.helpKeys ?? [],
    helpImagesKey: options.helpImagesKey ?? 'help.images',
    imageMissingKey: options.imageMissingKey ?? 'errors.input.image_missing',
  };
}
