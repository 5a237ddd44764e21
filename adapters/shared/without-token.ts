// The one rule for keeping a bot token out of a line meant for an operator's log or /readyz (which no log scrubbing
// covers): whatever a library wrote, a URL or a header included. A token is an id, then its secret part after the
// last `separator` (Discord's `id.timestamp.hmac`, Telegram's `id:secret`); the secret alone is as sensitive as the
// whole, and a message a library cut short may end inside either, or begin inside the secret. The id before the first
// separator is public (Telegram's bot id; Discord's is the base64 of the bot's user id), so a cut-off start of the
// token is hidden only once it reaches past that separator: the bot's id elsewhere in a line stays readable.
import { TOKEN_CUT_MIN, telegramTokensIn } from '../../src/log.js';

/** The shortest end of the secret part hidden where a message was cut off from the left inside it. */
export const MIN_TAIL = 12;
const HIDDEN = '<token>';
/**
 * The words of the text a token could be part of: runs of the characters tokens are made of, a dot only between two
 * of them, so the ASCII dots a library puts after a message it cut short are no part of the word.
 */
const TOKEN_RUN = /[\w:-]+(?:\.[\w:-]+)*/g;

/**
 * `text` with `token` hidden: the token whole, its secret part alone, a head of the token that reaches past its id, a
 * head of the secret at least TOKEN_CUT_MIN long, each ending where a word of the text ends (a message cut short inside
 * it), and an end of the secret at least MIN_TAIL long where a word begins (a message cut from the left).
 */
export function withoutToken(text: string, token: string, separator: '.' | ':'): string {
  if (token.length === 0) return text;
  const secret = token.slice(token.lastIndexOf(separator) + 1);
  const idEnd = token.indexOf(separator);
  const minTokenHead = Math.max(TOKEN_CUT_MIN, idEnd + 2);
  let hidden = text.split(token).join(HIDDEN);
  if (secret.length >= TOKEN_CUT_MIN) hidden = hidden.split(secret).join(HIDDEN);
  return hidden.replace(TOKEN_RUN, (run) =>
    withoutCutTail(withoutCutHead(withoutCutHead(run, token, minTokenHead), secret, TOKEN_CUT_MIN), secret),
  );
}

/** `run` with its longest ending that is a head of `of` (`min` characters at least) hidden. */
function withoutCutHead(run: string, of: string, min: number): string {
  for (let start = 0; start <= run.length - min; start++) {
    if (of.startsWith(run.slice(start))) return `${run.slice(0, start)}${HIDDEN}`;
  }
  return run;
}

/** `run` with its longest beginning that is an end of `secret` (MIN_TAIL characters at least) hidden. */
function withoutCutTail(run: string, secret: string): string {
  for (let end = run.length; end >= MIN_TAIL; end--) {
    if (secret.endsWith(run.slice(0, end))) return `${HIDDEN}${run.slice(end)}`;
  }
  return run;
}

/**
 * `text` with a Telegram token hidden by the one rule: this bot's `token` where the caller has it, and any string of a
 * token's shape (telegramTokensIn, the log's own), one written with '%3A' hidden as its token, whose secret part
 * is then found wherever it stands.
 */
export function withoutTelegramTokens(text: string, token?: string): string {
  const found = telegramTokensIn(text).map((each) => each.replace(/%3A/i, ':'));
  let hidden = text;
  for (const each of new Set([...(token ? [token] : []), ...found])) hidden = withoutToken(hidden, each, ':');
  return hidden;
}
