import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

/** Field names whose values are secrets wherever they appear in a log object. */
const SECRET_KEYS = /^(token|.*_token|authorization|password|secret|.*_secret|access_token|botToken)$/i;

export interface LoggerOptions {
  level?: string;
  /** Pretty lines for a terminal; JSON otherwise. Defaults to stdout being a TTY outside production. */
  pretty?: boolean;
  /** Secret values (tokens) to scrub from every message and field, wherever they appear. */
  secrets?: Array<string | undefined>;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 6);
  const scrubText = (text: string) => secrets.reduce((t, s) => t.split(s).join(REDACTED), text);
  const scrub = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) {
      return {
        type: value.name,
        message: scrubText(value.message),
        stack: value.stack && scrubText(value.stack),
      };
    }
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? REDACTED : scrub(v, depth + 1);
    return out;
  };

  const usePretty =
    options.pretty ?? (process.stdout.isTTY === true && process.env.NODE_ENV !== 'production');
  const destination =
    options.destination ??
    (usePretty ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss' }) : undefined);
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          // Message strings and printf arguments are scrubbed too, not only structured fields.
          const cleaned = args.map((a) => scrub(a)) as Parameters<typeof method>;
          method.apply(this, cleaned);
        },
      },
    },
    destination ?? pino.destination({ sync: true }),
  );
}
