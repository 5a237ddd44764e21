import { resolve } from 'node:path';
import dotenv from 'dotenv';
import type { z } from 'zod';
import { MAX_INPUT_PIXELS as ENGINE_MAX_INPUT_PIXELS } from '../../engine/index.js';
import {
  type Env,
  envSchema,
  FREE_TEXT_VARIABLES,
  MADE_UP_TOO_SHORT,
  MIN_MADE_UP_SECRET,
  SECRET_VARIABLES,
} from './schema.js';
import { describeUnknown, unknownVariables } from './unknown-variables.js';

export { portClashes } from './ports.js';
export { SECRET_VARIABLES } from './schema.js';

export interface Config {
  discord: {
    token?: string;
    guildIds: string[];
    adminRoleIds: string[];
    allowDms: boolean;
    /** A public job that took longer (command to ending) ends with a new message mentioning its requester. */
    notifyAfterMs: number;
    /** HTTP interactions mode (an Interactions Endpoint URL instead of gateway interactions), when a port is set. */
    interactions?: { host: string; port: number; publicKey: string };
  };
  telegram: {
    token?: string;
    webhookUrl?: string;
    webhookSecret?: string;
    /** Chats the bot serves (private chat id = user id); empty = every chat. */
    chatIds: number[];
    /** Where the webhook's HTTP server listens (behind the TLS proxy that TELEGRAM_WEBHOOK_URL points at). */
    webhookHost: string;
    webhookPort: number;
    /** The path it answers on; defaults to the path of TELEGRAM_WEBHOOK_URL. */
    webhookPath: string;
  };
  modelDir?: string;
  device: Env['DEVICE'];
  /** Weight-only quantization of the transformer's linear layers (QUANT). */
  quant: Env['QUANT'];
  /** Transformer arithmetic (PRECISION): auto = fp16 on CUDA, fp32 on the CPU. */
  precision: Env['PRECISION'];
  /** Device memory the engine may plan for, in bytes (DEVICE_MEMORY_GB); absent = no check. */
  deviceMemoryBytes?: number;
  /** How ML-Cache text-to-image keeps its caches (DIMOO_ML_CACHE_PATH; engine/api.ts MlCachePath). */
  mlCachePath: Env['DIMOO_ML_CACHE_PATH'];
  /** Describe jobs decode with the block cache (DESCRIBE_CACHE; engine/api.ts UnderstandRequest.cache). */
  describeCache: boolean;
  dataDir: string;
  /** Days a finished job's inputs and results stay in DATA_DIR (RESULT_RETENTION_DAYS); 0 = kept forever. */
  resultRetentionDays: number;
  web: { host: string; port?: number; accessToken?: string };
  adminIds: string[];
  logLevel: Env['LOG_LEVEL'];
  defaultLocale: Env['DEFAULT_LOCALE'];
  queue: {
    maxPerUser: number;
    maxRunningPerUser: number;
    /** Compatible jobs that may share the engine's forward passes; 0 = by device (engine-tasks bench). */
    maxBatch: number;
    maxPerScope: number;
    maxTotal: number;
    jobTimeoutMs: number;
    /**
     * On SIGINT/SIGTERM, how long a running job may go on before it is put back into the queue: SHUTDOWN_GRACE_S, its
     * one default in schema.ts.
     */
    shutdownGraceMs: number;
  };
  /** QUEUE_URL set: this process is a front-end (npm start) or a GPU worker (dimoo worker) of a shared queue. */
  distributed?: { url: string; prefix: string };
  /**
   * Operators' endpoints (/metrics, /healthz, /readyz); no port = not served. `workerName` (WORKER_NAME) is a
   * `dimoo worker`'s `worker` label; unset, the host name.
   */
  metrics: { host: string; port?: number; workerName?: string };
  limits: {
    rateLimitPerMinute: number;
    maxInputBytes: number;
    maxInputPixels: number;
    blockedWords: string[];
  };
  /**
   * One line per environment variable that looks meant for the bot but that it does not read (a typo such as
   * TELEGRAM_TOKE), naming the closest one it does, or that it reads as less than was set (a limit above what the
   * engine takes), or whose free-text value is wrapped in quotes (kept as part of it); absent when there is none.
   * Names and limits only, never a secret's value.
   */
  warnings?: string[];
}

/** Every problem in the environment at once, never with a secret's value. */
export class ConfigError extends Error {
  constructor(
    readonly problems: Array<{ variable: string; problem: string }>,
    /** Unknown variables (Config.warnings): a misspelt name is often why a required one is missing. */
    readonly warnings: readonly string[] = [],
  ) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n') +
        warnings.map((w) => `\n  (note: ${w})`).join('') +
        '\nFix these in your environment or .env file (see .env.example for every variable and its default).',
    );
    this.name = 'ConfigError';
  }
}

function describeIssues(issues: z.core.$ZodIssue[]): Array<{ variable: string; problem: string }> {
  const secrets: readonly string[] = SECRET_VARIABLES;
  return issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(unknown)');
    // zod messages here are our own and never quote the value, so they are safe for secrets too.
    const problem = secrets.includes(variable)
      ? `is invalid: ${issue.message} (value hidden)`
      : issue.message;
    return { variable, problem };
  });
}

/**
 * dotenv takes one pair of quotes off a .env line, but `docker run --env-file`, compose's `environment:` list or a
 * Kubernetes manifest keep them (as does .env for quotes inside quotes, `X='"abc"'`), and `"abc"` would be the token
 * (or a folder named `"./data"`): said as such, before the variable's own rule, which would only say it is wrong.
 * Free text may hold quotes of its own (FREE_TEXT_VARIABLES): kept, with a warning naming the variable, never the value.
 */
function quotedValues(env: NodeJS.ProcessEnv): {
  problems: Array<{ variable: string; problem: string }>;
  warnings: string[];
} {
  const quoted = Object.keys(envSchema.shape).filter((variable) => {
    const value = (env[variable] ?? '').trim();
    return value.length >= 2 && /^["']/.test(value) && value.endsWith(value.charAt(0));
  });
  return {
    problems: quoted
      .filter((variable) => !FREE_TEXT_VARIABLES.includes(variable))
      .map((variable) => ({
        variable,
        problem:
          'is wrapped in quotes, which are read as part of the value (docker --env-file and compose environment: keep them, .env takes off one pair): remove them',
      })),
    warnings: quoted
      .filter((variable) => FREE_TEXT_VARIABLES.includes(variable))
      .map(
        (variable) =>
          `${variable} is wrapped in quotes, which are kept as part of its value (docker --env-file and compose environment: keep them, .env takes off one pair): remove them unless they belong to it`,
      ),
  };
}

/** One problem per variable, the first: a value can break several rules, and the first names the mistake. */
function firstPerVariable(
  problems: Array<{ variable: string; problem: string }>,
): Array<{ variable: string; problem: string }> {
  const seen = new Set<string>();
  return problems.filter(({ variable }) => !seen.has(variable) && seen.add(variable));
}

function crossChecks(env: NodeJS.ProcessEnv): Array<{ variable: string; problem: string }> {
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  const problems: Array<{ variable: string; problem: string }> = [];
  if (isSet('TELEGRAM_WEBHOOK_URL') && !isSet('TELEGRAM_WEBHOOK_SECRET')) {
    problems.push({
      variable: 'TELEGRAM_WEBHOOK_SECRET',
      problem: 'is required when TELEGRAM_WEBHOOK_URL is set',
    });
  }
  // Telegram takes one character; made up by the operator, a short one is guessed. Only where it is used: a polling
  // bot's .env may keep an old short one.
  const webhookSecret = (env.TELEGRAM_WEBHOOK_SECRET ?? '').trim();
  if (isSet('TELEGRAM_WEBHOOK_URL') && webhookSecret !== '' && webhookSecret.length < MIN_MADE_UP_SECRET) {
    problems.push({
      variable: 'TELEGRAM_WEBHOOK_SECRET',
      problem: `is invalid: ${MADE_UP_TOO_SHORT} (value hidden)`,
    });
  }
  if (isSet('DISCORD_INTERACTIONS_PORT') && !isSet('DISCORD_PUBLIC_KEY')) {
    problems.push({
      variable: 'DISCORD_PUBLIC_KEY',
      problem: 'is required when DISCORD_INTERACTIONS_PORT is set (it verifies the requests Discord sends)',
    });
  }
  // The playground refuses to open beyond loopback without a token (adapters/web), but only once it starts, after
  // the model has loaded (minutes for the 8B one): the same rule, said at once. It runs with no platform token, or
  // whenever WEB_PORT is set (src/app.ts planAdapters). A WEB_HOST the schema refuses is named by the schema alone.
  const webHost = envSchema.shape.WEB_HOST.safeParse(env.WEB_HOST);
  const playground = isSet('WEB_PORT') || (!isSet('DISCORD_TOKEN') && !isSet('TELEGRAM_TOKEN'));
  if (webHost.success && playground && !isLoopbackHost(webHost.data) && !isSet('WEB_ACCESS_TOKEN')) {
    problems.push({
      variable: 'WEB_ACCESS_TOKEN',
      problem: `is required when WEB_HOST (${webHost.data}) is not loopback: the playground would be open to other machines`,
    });
  }
  return problems;
}

/** The playground's own rule (adapters/web/session.ts isLoopback), which config may not import. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * loadConfig for an entry point: a refused environment is written with `write` (every bad variable, never a
 * secret's value; a stack trace would only hide it) and gives undefined.
 */
export function loadConfigOrReport(
  write: (text: string) => void,
  env?: NodeJS.ProcessEnv,
): Config | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    write(`${error.message}\n`);
    return undefined;
  }
}

/** Parses an environment (defaults to process.env plus .env) into the typed config, or throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = readEnv()): Config {
  const parsed = envSchema.safeParse(env);
  const quoted = quotedValues(env);
  // Rules between variables are checked on the raw values, so they are listed together with the schema's problems.
  const problems = firstPerVariable([
    ...quoted.problems,
    ...(parsed.success ? [] : describeIssues(parsed.error.issues)),
    ...crossChecks(env),
  ]);
  const warnings = [...quoted.warnings, ...describeUnknown(unknownVariables(env))];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems, warnings);
  const e = parsed.data;
  // Above the engine's own limit an image would be queued with an ETA and then refused by the worker: it is
  // refused at once instead, by the limit that holds.
  if (e.MAX_INPUT_PIXELS > ENGINE_MAX_INPUT_PIXELS)
    warnings.push(
      `MAX_INPUT_PIXELS=${e.MAX_INPUT_PIXELS} is above the engine's largest input image (${ENGINE_MAX_INPUT_PIXELS} pixels, 4096×4096): ${ENGINE_MAX_INPUT_PIXELS} is used`,
    );
  const shortQueuePassword = queuePasswords(e.QUEUE_URL).some((p) => p.length < MIN_MADE_UP_SECRET);
  if (shortQueuePassword)
    warnings.push(
      `QUEUE_URL's password is shorter than ${MIN_MADE_UP_SECRET} characters: anyone who reaches this Redis may guess it`,
    );
  return {
    discord: {
      token: e.DISCORD_TOKEN,
      guildIds: e.DISCORD_GUILD_IDS,
      adminRoleIds: e.DISCORD_ADMIN_ROLE_IDS,
      allowDms: e.DISCORD_ALLOW_DMS,
      notifyAfterMs: e.DISCORD_NOTIFY_AFTER_S * 1000,
      interactions:
        e.DISCORD_INTERACTIONS_PORT !== undefined && e.DISCORD_PUBLIC_KEY !== undefined
          ? {
              host: e.DISCORD_INTERACTIONS_HOST,
              port: e.DISCORD_INTERACTIONS_PORT,
              publicKey: e.DISCORD_PUBLIC_KEY,
            }
          : undefined,
    },
    telegram: {
      token: e.TELEGRAM_TOKEN,
      webhookUrl: e.TELEGRAM_WEBHOOK_URL,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
      chatIds: e.TELEGRAM_CHAT_IDS.map(Number),
      webhookHost: e.TELEGRAM_WEBHOOK_HOST,
      webhookPort: e.TELEGRAM_WEBHOOK_PORT,
      webhookPath:
        e.TELEGRAM_WEBHOOK_PATH ?? (e.TELEGRAM_WEBHOOK_URL ? new URL(e.TELEGRAM_WEBHOOK_URL).pathname : '/'),
    },
    modelDir: e.MODEL_DIR ? resolve(e.MODEL_DIR) : undefined,
    device: e.DEVICE,
    quant: e.QUANT,
    precision: e.PRECISION,
    deviceMemoryBytes: e.DEVICE_MEMORY_GB === undefined ? undefined : Math.round(e.DEVICE_MEMORY_GB * 1e9),
    mlCachePath: e.DIMOO_ML_CACHE_PATH,
    describeCache: e.DESCRIBE_CACHE,
    dataDir: resolve(e.DATA_DIR),
    resultRetentionDays: e.RESULT_RETENTION_DAYS,
    web: { host: e.WEB_HOST, port: e.WEB_PORT, accessToken: e.WEB_ACCESS_TOKEN },
    adminIds: e.ADMIN_IDS,
    logLevel: e.LOG_LEVEL,
    defaultLocale: e.DEFAULT_LOCALE,
    queue: {
      maxPerUser: e.QUEUE_MAX_PER_USER,
      maxRunningPerUser: e.QUEUE_MAX_RUNNING_PER_USER,
      maxBatch: e.QUEUE_MAX_BATCH,
      maxPerScope: e.QUEUE_MAX_PER_SCOPE,
      maxTotal: e.QUEUE_MAX_TOTAL,
      jobTimeoutMs: e.JOB_TIMEOUT_S * 1000,
      shutdownGraceMs: e.SHUTDOWN_GRACE_S * 1000,
    },
    distributed: e.QUEUE_URL ? { url: e.QUEUE_URL, prefix: e.QUEUE_PREFIX } : undefined,
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT, workerName: e.WORKER_NAME },
    limits: {
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      maxInputBytes: e.MAX_INPUT_MB * 1024 * 1024,
      maxInputPixels: Math.min(e.MAX_INPUT_PIXELS, ENGINE_MAX_INPUT_PIXELS),
      blockedWords: e.BLOCKED_WORDS.map((w) => w.toLowerCase()),
    },
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** The secret values a config holds (one per SECRET_VARIABLES entry that is set), for the logger to scrub. */
export function secretsOf(config: Config): string[] {
  return [
    config.discord.token,
    config.telegram.token,
    config.telegram.webhookSecret,
    config.web.accessToken,
    // A password inside QUEUE_URL, as written and as ioredis sends it (percent-decoded, in AUTH's arguments); the
    // rest of the URL may be logged. One under 8 characters is scrubbed only where it stands as a credential (see
    // createLogger), so a password `redis` leaves the host `redis` readable.
    ...queuePasswords(config.distributed?.url),
  ].filter((s): s is string => s !== undefined);
}

function queuePasswords(url: string | undefined): string[] {
  if (!url) return [];
  const parsed = new URL(url);
  // ioredis also takes `?password=` from the query string (decoded once by URLSearchParams, as ioredis reads it).
  const query = parsed.searchParams.getAll('password').filter((p) => p !== '');
  const rawQuery = [...parsed.search.matchAll(/[?&]password=([^&]*)/g)].map((m) => m[1] ?? '');
  const written = parsed.password;
  let decoded = written;
  try {
    decoded = decodeURIComponent(written);
  } catch {
    // A stray % is sent as written.
  }
  return [...new Set([written, decoded, ...query, ...rawQuery])].filter((s) => s !== '');
}

/** process.env layered over .env (process.env wins), without dotenv's banner. */
export function readEnv(path = '.env'): NodeJS.ProcessEnv {
  const fromFile: Record<string, string> = {};
  dotenv.config({ path, processEnv: fromFile, quiet: true });
  return { ...fromFile, ...process.env };
}
