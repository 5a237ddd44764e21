import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

const REDACTED = '[redacted]';

/** Field names whose values are secrets wherever they appear in a log object. */
const SECRET_KEYS = /(token|secret|password|passwd|authorization|api_?key|cookie)$|^(pass|pwd)$/i;
/**
 * Below this length a registered secret is scrubbed only where it stands as a credential: anywhere, a short one
 * (QUEUE_URL's `redis` password in the usual Docker set-up) blanked every "redis" and host name in every line.
 */
const SCRUB_EVERYWHERE_MIN = 8;
/** ioredis reports a refused AUTH with the failed command: `{ name: 'auth' | 'hello', args: [..., password] }`. */
const AUTH_COMMANDS = /^(auth|hello)$/i;
const MAX_DEPTH = 10;

/**
 * The shortest head of a token's secret part hidden where a line was cut off inside it (the adapters' lines use it
 * too: adapters/shared/without-token.ts). The log hides a head this long wherever it follows Telegram's `/bot<id>:`.
 */
export const TOKEN_CUT_MIN = 8;

// The pieces of a Telegram token: its shape found anywhere, a registered one, the head after `/bot<id>:`.
const BOT_ID = '\\d{5,}';
const SECRET_CHAR = '[A-Za-z0-9_-]';

/**
 * A Telegram bot token wherever it stands: the bot's id (digits), ':' (or '%3A', where a library URL-encoded it), then
 * its secret (35 of [A-Za-z0-9_-] as @BotFather issues them; 30 at least), the whole run of the id's digits and of the
 * secret's characters: a longer one (a UUID after a timestamp and ':') is something else. Built afresh for each call:
 * a global RegExp shared between callers keeps its `lastIndex` from one `test` to the next.
 */
// (?<!\d): tried at every digit of a long run, `\d{5,}` made a scan quadratic (100,000 digits took half a minute).
const telegramTokenShape = () =>
  new RegExp(`(?<!\\d)${BOT_ID}(?::|%3A)${SECRET_CHAR}{30,35}(?!${SECRET_CHAR})`, 'gi');

/** The Telegram tokens in `text`, as written there (':' perhaps as '%3A'). */
export function telegramTokensIn(text: string): string[] {
  return text.match(telegramTokenShape()) ?? [];
}

/** `text` with every Telegram token in it replaced by `replacement`. */
function hideTelegramTokens(text: string, replacement: string): string {
  return text.replace(telegramTokenShape(), replacement);
}

/**
 * Tokens that are never registered (a Discord interaction token changes with every interaction), found by their
 * shape: inside `/webhooks/<application id>/<token>` and the callback's `/interactions/<interaction id>/<token>`, any
 * Telegram token (another bot's, in a URL or not), and whatever follows Telegram's `/bot<id>:` in a URL, where a
 * line cut short may leave only a head of the secret.
 */
const TOKEN_URLS: Array<[RegExp, string]> = [
  [/(\/(?:webhooks|interactions)\/\d+\/)[A-Za-z0-9_.-]{16,}/g, `$1${REDACTED}`],
  [new RegExp(`(\\/(?:file\\/)?bot)\\d+(?::|%3A)${SECRET_CHAR}{${TOKEN_CUT_MIN},}`, 'gi'), `$1${REDACTED}`],
];

/** A registered secret that is a Telegram bot token. */
const REGISTERED_TELEGRAM_TOKEN = new RegExp(`^${BOT_ID}:${SECRET_CHAR}{30,}$`);
/** A Discord bot token: the bot's user id in base64, a timestamp, then its secret part (an HMAC). */
const DISCORD_TOKEN = /^[\w-]{16,}\.[\w-]{4,}\.([\w-]{20,})$/;

/**
 * The forms of a registered secret that a line may hold: itself, URL-encoded (a library quoting a URL writes a
 * Telegram token's ':' as '%3A', a password's '@' as '%40'), and a token's secret part alone (what follows a Telegram
 * token's ':', a Discord token's last '.'), which is as sensitive as the whole.
 */
function formsOf(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  // Registered, it is known to be a token: any length of secret past the shape's least.
  if (REGISTERED_TELEGRAM_TOKEN.test(secret)) forms.push(secret.slice(secret.indexOf(':') + 1));
  const discordSecret = DISCORD_TOKEN.exec(secret)?.[1];
  if (discordSecret) forms.push(discordSecret);
  return forms;
}

function scrubTokenShapes(text: string): string {
  const hidden = TOKEN_URLS.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
  return hideTelegramTokens(hidden, REDACTED);
}

export interface LoggerOptions {
  level?: string;
  /** Pretty lines for a terminal; JSON otherwise. Defaults to stdout being a TTY outside production. */
  pretty?: boolean;
  /**
   * Secret values (tokens, passwords) to scrub from every message and field. One of at least 8 characters goes
   * wherever it appears; a shorter one only where it stands as a credential: URL userinfo (`scheme://user:<it>@`),
   * a `password=` query parameter, an AUTH/HELLO command's arguments, a field named like a password.
   */
  secrets?: Array<string | undefined>;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  // One pass of one pattern: replaced in turn, a short secret rewrote the marks left before it ('e' in
  // '[redacted]') and so showed itself. Longest first: a secret that holds another is replaced whole. The short
  // ones join the same pattern, but only behind a credential's prefix and before its end.
  const registered = (options.secrets ?? []).filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  // Each form of a secret is scrubbed where the secret itself would be: everywhere, or as a credential only.
  const formsWhere = (everywhere: boolean) => [
    ...new Set(registered.filter((s) => s.length >= SCRUB_EVERYWHERE_MIN === everywhere).flatMap(formsOf)),
  ];
  const longestFirst = (list: string[]) => list.sort((a, b) => b.length - a.length);
  const alternation = (list: string[]) => list.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const long = longestFirst(formsWhere(true));
  const short = longestFirst(formsWhere(false));
  const shortSet = new Set(short);
  const branches = [
    ...(long.length > 0 ? [alternation(long)] : []),
    ...(short.length > 0
      ? [
          `(?<=[A-Za-z][A-Za-z0-9+.-]*://[^\\s/?#@:]*:)(?:${alternation(short)})(?=@)`,
          `(?<=[?&](?:password|Password|PASSWORD|pass|pwd)=)(?:${alternation(short)})(?=[&#\\s"']|$)`,
        ]
      : []),
  ];
  // Case-sensitive: a secret's exact characters only.
  const pattern = branches.length > 0 ? new RegExp(branches.join('|'), 'g') : undefined;
  const scrubText = (text: string) => scrubTokenShapes(pattern ? text.replace(pattern, REDACTED) : text);
  const scrub = (value: unknown, depth = 0): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (value === null || typeof value !== 'object') return value;
    // Deeper than any log object we write: refuse rather than pass unscrubbed (and cycles end here).
    if (depth > MAX_DEPTH) return '[too deep]';
    if (value instanceof Error) return scrubError(value, depth);
    // A failed upload's request carries the file: walked entry by entry, a 5 MB image made a line of tens of MB.
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
    const out: Record<string, unknown> = {};
    const isAuth = 'name' in value && typeof value.name === 'string' && AUTH_COMMANDS.test(value.name);
    for (const [k, v] of Object.entries(value)) {
      if (isAuth && k === 'args' && Array.isArray(v)) {
        out[k] = v.map((a) => (typeof a === 'string' && shortSet.has(a) ? REDACTED : scrub(a, depth + 1)));
        continue;
      }
      out[k] = SECRET_KEYS.test(k) && typeof v === 'string' ? REDACTED : scrub(v, depth + 1);
    }
    return out;
  };
  // A copy with the same prototype, so pino still sees an Error (msg, type, cause chain) but only scrubbed text.
  const scrubError = (error: Error, depth: number): Error => {
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
    for (const [k, v] of Object.entries(error)) {
      (copy as unknown as Record<string, unknown>)[k] =
        SECRET_KEYS.test(k) && typeof v === 'string' ? REDACTED : scrub(v, depth + 1);
    }
    Object.defineProperties(copy, {
      name: { value: error.name, enumerable: false, writable: true, configurable: true },
      message: { value: scrubText(error.message), enumerable: false, writable: true, configurable: true },
      stack: {
        value: error.stack && scrubText(error.stack),
        enumerable: false,
        writable: true,
        configurable: true,
      },
    });
    if (error.cause !== undefined) {
      Object.defineProperty(copy, 'cause', {
        value: scrub(error.cause, depth + 1),
        enumerable: false,
        writable: true,
        configurable: true,
      });
    }
    return copy;
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
      formatters: {
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
      // pino serializes a child's bindings once, into a JSON fragment, and skips formatters for them: scrub that.
      onChild(child) {
        const holder = child as unknown as Record<symbol, string | undefined>;
        const fragment = holder[pino.symbols.chindingsSym];
        if (!fragment) return;
        const clean = JSON.stringify(scrub(JSON.parse(`{${fragment.slice(1)}}`)));
        holder[pino.symbols.chindingsSym] = clean === '{}' ? '' : `,${clean.slice(1, -1)}`;
      },
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
