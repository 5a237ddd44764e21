// The one rule for keeping a bot token out of a line meant for an operator's log or /readyz (which no log scrubbing
// covers): whatever a library wrote, a URL or a header included. A token is an id, then its secret part after the
// last `separator` (Discord's `id.timestamp.hmac`, Telegram's `id:secret`); the secret alone is as sensitive as the
// whole, and a message a library cut short may end inside either.

/** The shortest head of a token (or of its secret part) hidden where a message was cut off inside it. */
export const MIN_CUT = 8;
const HIDDEN = '<token>';
/** The characters a Discord or Telegram token is made of: where a run of them ends, so does a word of the text. */
const TOKEN_RUN = /[\w.:-]+/g;

/**
 * `text` with `token` hidden: the token whole, its secret part alone, and a head of either at least MIN_CUT long
 * that ends where a word of the text ends (a message cut short inside it; shorter heads tell too little to hide).
 */
export function withoutToken(text: string, token: string, separator: '.' | ':'): string {
  if (token.length === 0) return text;
  const secret = token.slice(token.lastIndexOf(separator) + 1);
  let hidden = text.split(token).join(HIDDEN);
  if (secret.length >= MIN_CUT) hidden = hidden.split(secret).join(HIDDEN);
  return hidden.replace(TOKEN_RUN, (run) => withoutCutHead(withoutCutHead(run, token), secret));
}

/** `run` with its longest ending that is a head of `secret` (MIN_CUT characters at least) hidden. */
function withoutCutHead(run: string, secret: string): string {
  for (let start = 0; start <= run.length - MIN_CUT; start++) {
    if (secret.startsWith(run.slice(start))) return `${run.slice(0, start)}${HIDDEN}`;
  }
  return run;
}
