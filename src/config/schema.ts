import { homedir } from 'node:os';
import { z } from 'zod';
import {
  DEVICE_CHOICES,
  MAX_INPUT_PIXELS as ENGINE_MAX_INPUT_PIXELS,
  PRECISIONS,
  WEIGHT_QUANTS,
} from '../../engine/index.js';
import { matchLocale, SUPPORTED_LOCALES } from '../i18n.js';

/** Variables whose values must never be printed, logged or echoed in an error. */
export const SECRET_VARIABLES = [
  'DISCORD_TOKEN',
  'TELEGRAM_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'WEB_ACCESS_TOKEN',
] as const;

/**
 * Variables whose values the operator makes up as free text, where quotes can belong to the value (a generated
 * secret, a word starting with an apostrophe): quoted, they are taken as given with a warning. Quotes around any
 * other variable's value (tokens of a fixed shape, ids, numbers, flags, choices, hosts, URLs, folders) are refused.
 */
export const FREE_TEXT_VARIABLES: readonly string[] = ['WEB_ACCESS_TOKEN', 'BLOCKED_WORDS'];

/**
 * Every string value is trimmed, and blank means unset: a stray space from a .env line or a quoted shell value
 * (`METRICS_HOST=" 0.0.0.0"`, `DATA_DIR="./data "`) would otherwise be kept and silently bind nothing or write
 * elsewhere.
 */
const emptyToUndefined = (v: unknown) => {
  if (typeof v !== 'string') return v;
  const trimmed = v.trim();
  return trimmed === '' ? undefined : trimmed;
};

/** Secrets the operator makes up (not issued by a platform) are refused below this length, as guessable. */
export const MIN_MADE_UP_SECRET = 8;
export const MADE_UP_TOO_SHORT = `must be at least ${MIN_MADE_UP_SECRET} characters, e.g. made with: openssl rand -hex 16`;

/** A comma-separated list, trimmed, empty entries dropped, each entry checked by `item`. */
const listOf = (item: z.ZodType<string>) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : (v ?? []),
    z.array(item),
  );

/**
 * A list of ids: `id1 id2` or `id1;id2` (how other bots' lists are often written) is one entry here, and the id rule
 * alone would not say that the separator is what is wrong.
 */
const idListOf = (item: z.ZodType<string, string>) =>
  listOf(
    z
      .string()
      .regex(/^[^\s;]*$/, 'separate the entries with commas (,), not spaces or semicolons')
      .pipe(item),
  );

const snowflakeList = idListOf(
  z.string().regex(/^\d{15,21}$/, 'each id must be a Discord snowflake (15–21 digits)'),
);
// Platform-qualified, so a Telegram id can never grant admin rights to the Discord user with the same number.
const adminList = idListOf(
  z
    .string()
    .regex(
      /^(discord|telegram):\d{1,21}$/,
      'each admin must be platform:id, e.g. discord:123… or telegram:456…',
    ),
);

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];
const booleanFlag = (fallback: boolean) =>
  z.preprocess(
    (v) => {
      if (typeof v !== 'string') return v ?? fallback;
      const word = v.trim().toLowerCase();
      if (word === '') return fallback;
      if (TRUE.includes(word)) return true;
      if (FALSE.includes(word)) return false;
      return v;
    },
    z.boolean({ error: 'must be true or false (also 1/0, yes/no, on/off)' }),
  );

const intIn = (min: number, max: number, fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int(`must be a whole number from ${min} to ${max}`)
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

const PORT_RULE = 'must be a port number from 1 to 65535';
/**
 * Kubernetes gives every pod `<SERVICE>_PORT=tcp://<ip>:<port>` for each Service of its namespace (service links): a
 * Service named `web` or `metrics` sets WEB_PORT or METRICS_PORT. Still refused (it is no port), but said why.
 */
const SERVICE_LINK = /^\s*(tcp|udp|sctp):\/\/[^\s/]+:\d+\s*$/i;
/** A port variable; `service` is the Service name whose link Kubernetes would put in it (`web` for WEB_PORT). */
const portNumber = (service: string) =>
  z
    .custom(
      (value) => typeof value !== 'string' || !SERVICE_LINK.test(value),
      `${PORT_RULE}, not a URL: it looks like a Kubernetes service link (a Service named \`${service}\` sets it); set enableServiceLinks: false in the pod spec, or rename that Service`,
    )
    .pipe(z.coerce.number({ error: PORT_RULE }).int(PORT_RULE).min(1, PORT_RULE).max(65535, PORT_RULE));
const port = (service: string) => z.preprocess(emptyToUndefined, portNumber(service).optional());

/** An interface to listen on: a name or an address, nothing with spaces, slashes or a scheme. */
const host = (fallback: string, portVariable: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9.:%_[\]-]+$/, 'must be a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0')
      // `0.0.0.0:8080` passes the rule above (IPv6 needs the colons) but is no address to listen on.
      .regex(/^(?![^:]+:\d+$)(?!\[.*\]:\d+$)/, `must be the host alone: its port goes in ${portVariable}`)
      .default(fallback),
  );

/**
 * The bot token as the Developer Portal shows it. Its shape is Discord's to change, so only what is surely a paste
 * mistake is refused at start: discord.js adds `Bot ` itself, and a token with a space in it is two words.
 */
const discordToken = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^(?!bot\s)/i, 'must be the token alone, without "Bot " in front (discord.js adds it)')
    .regex(/^\S+$/, 'must be the token alone, with no spaces inside')
    .optional(),
);

/** `$NAME`, `${NAME}` or `${NAME:-…}` as a shell writes a variable; a lone `$` (`/mnt/share$/x`) is a name's own. */
const UNEXPANDED_VARIABLE = /\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*(?:\}|:?[-=?+]))/;

/**
 * A folder. Nothing here expands `~` or `$HOME` (a shell would; dotenv does not): the bot would make a folder
 * literally named `~` or `$HOME` under the working directory and keep its data there. A folder really named so is
 * still reachable as `./~name`.
 */
const folder = z
  .string()
  .superRefine((path, ctx) => {
    if (path.startsWith('~'))
      ctx.addIssue({
        code: 'custom',
        message: `must be a whole path: ~ is not expanded here (your home folder is ${homedir()}); a folder of that name in the working directory is written ./${path}`,
      });
  })
  .refine(
    (path) => !UNEXPANDED_VARIABLE.test(path),
    'must be a whole path: $VARIABLES are not expanded here',
  );

/**
 * A URL's host, or '' for one Node cannot parse (`redis://:password@`, which zod's own check lets through): the
 * TypeError would end the start with a stack trace that quotes the URL, password and all.
 */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** SHUTDOWN_GRACE_S unset: also what a job queue stopped without a bound waits (one default, not one per caller). */
export const SHUTDOWN_GRACE_DEFAULT_S = 10;

export const envSchema = z.object({
  DISCORD_TOKEN: discordToken,
  DISCORD_GUILD_IDS: snowflakeList,
  /** Members holding one of these roles are admins in that guild (as ADMIN_IDS, but per role). */
  DISCORD_ADMIN_ROLE_IDS: snowflakeList,
  DISCORD_ALLOW_DMS: booleanFlag(true),
  /** A public job that took longer ends with a new message mentioning its requester (an edit notifies nobody). */
  DISCORD_NOTIFY_AFTER_S: intIn(0, 86_400, 60),
  /** The application's public key (not a secret): verifies requests to the HTTP interactions endpoint. */
  DISCORD_PUBLIC_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the 64 hex characters shown as Public Key in the Developer Portal')
      .optional(),
  ),
  DISCORD_INTERACTIONS_HOST: host('127.0.0.1', 'DISCORD_INTERACTIONS_PORT'),
  DISCORD_INTERACTIONS_PORT: port('discord-interactions'),
  TELEGRAM_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      // Copied from an API URL (https://api.telegram.org/bot123:ABC/getMe), the token keeps that `bot`.
      .regex(/^(?!bot\d)/i, 'must be the token alone, without "bot" in front (as in API URLs)')
      .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'must look like 123456:ABC… as given by @BotFather')
      .optional(),
  ),
  TELEGRAM_WEBHOOK_URL: z.preprocess(
    emptyToUndefined,
    z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  ),
  TELEGRAM_WEBHOOK_SECRET: z.preprocess(
    emptyToUndefined,
    // Telegram's own rule for secret_token.
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1–256 characters of A–Z, a–z, 0–9, _ and -')
      // Its length is judged only where it is used, with TELEGRAM_WEBHOOK_URL (index.ts crossChecks).
      .optional(),
  ),
  TELEGRAM_CHAT_IDS: idListOf(
    z
      .string()
      // Beyond 2^53 the id would be read as another number (config.telegram.chatIds are numbers); Telegram's fit.
      .refine(
        (id) => /^-?\d{1,20}$/.test(id) && Number.isSafeInteger(Number(id)),
        'each id must be a Telegram chat id (a whole number, groups negative)',
      ),
  ),
  TELEGRAM_WEBHOOK_HOST: host('127.0.0.1', 'TELEGRAM_WEBHOOK_PORT'),
  TELEGRAM_WEBHOOK_PORT: z.preprocess(emptyToUndefined, portNumber('telegram-webhook').default(8443)),
  TELEGRAM_WEBHOOK_PATH: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a path starting with / (letters, digits, . _ ~ - /)')
      .optional(),
  ),
  MODEL_DIR: z.preprocess(emptyToUndefined, folder.optional()),
  DEVICE: z.preprocess(
    emptyToUndefined,
    z.enum(DEVICE_CHOICES, { error: `must be one of ${DEVICE_CHOICES.join(', ')}` }).default('auto'),
  ),
  QUANT: z.preprocess(
    emptyToUndefined,
    z.enum(WEIGHT_QUANTS, { error: `must be one of ${WEIGHT_QUANTS.join(', ')}` }).default('none'),
  ),
  PRECISION: z.preprocess(
    emptyToUndefined,
    z.enum(PRECISIONS, { error: `must be one of ${PRECISIONS.join(', ')}` }).default('auto'),
  ),
  DEVICE_MEMORY_GB: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'must be a number of gigabytes, e.g. 24' })
      .positive('must be a number of gigabytes above 0, e.g. 24')
      .max(100_000, 'must be at most 100000')
      .optional(),
  ),
  DIMOO_ML_CACHE_PATH: z.preprocess(
    emptyToUndefined,
    z
      .enum(['loop', 'per-step', 'in-graph'], { error: 'must be one of loop, per-step, in-graph' })
      .default('loop'),
  ),
  DESCRIBE_CACHE: booleanFlag(true),
  DATA_DIR: z.preprocess(emptyToUndefined, folder.default('./data')),
  RESULT_RETENTION_DAYS: intIn(0, 36500, 30),
  WEB_HOST: host('127.0.0.1', 'WEB_PORT'),
  WEB_PORT: port('web'),
  WEB_ACCESS_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().trim().min(MIN_MADE_UP_SECRET, MADE_UP_TOO_SHORT).optional(),
  ),
  ADMIN_IDS: adminList,
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  DEFAULT_LOCALE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      // `pt` or `pt_BR` for pt-BR, `zh` for zh-CN: the list alone leaves the operator to spot which one was meant.
      .superRefine((tag, ctx) => {
        if ((SUPPORTED_LOCALES as readonly string[]).includes(tag)) return;
        const near = matchLocale(tag);
        const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
        ctx.addIssue({ code: 'custom', message: `must be one of ${SUPPORTED_LOCALES.join(', ')}${hint}` });
      })
      .pipe(z.enum(SUPPORTED_LOCALES))
      .default('en'),
  ),
  QUEUE_MAX_PER_USER: intIn(1, 1000, 3),
  QUEUE_MAX_RUNNING_PER_USER: intIn(1, 100, 1),
  QUEUE_MAX_BATCH: intIn(0, 16, 0),
  QUEUE_MAX_PER_SCOPE: intIn(1, 10000, 20),
  QUEUE_MAX_TOTAL: intIn(1, 100000, 200),
  JOB_TIMEOUT_S: intIn(10, 86400, 900),
  QUEUE_URL: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
      // ioredis takes `redis://` without a host as localhost: a half-written URL would quietly use another Redis.
      .refine((url) => hostOf(url) !== '', 'must name the Redis host, e.g. redis://host:6379')
      .optional(),
  ),
  QUEUE_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 characters of A–Z, a–z, 0–9, _ and -')
      .default('dimoo'),
  ),
  METRICS_HOST: host('127.0.0.1', 'METRICS_PORT'),
  METRICS_PORT: port('metrics'),
  WORKER_NAME: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1–64 characters of A–Z, a–z, 0–9, ., _, : and -')
      .optional(),
  ),
  SHUTDOWN_GRACE_S: intIn(0, 600, SHUTDOWN_GRACE_DEFAULT_S),
  RATE_LIMIT_PER_MINUTE: intIn(0, 1000, 6),
  MAX_INPUT_MB: intIn(1, 100, 20),
  MAX_INPUT_PIXELS: intIn(65536, 268435456, ENGINE_MAX_INPUT_PIXELS),
  // A word with `;` in it would be matched as written (.env.example): `gore;nsfw` would block neither word.
  BLOCKED_WORDS: listOf(z.string().regex(/^[^;]*$/, 'separate the words with commas (,), not semicolons')),
});

export type Env = z.infer<typeof envSchema>;
