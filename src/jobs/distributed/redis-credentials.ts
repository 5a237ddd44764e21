// Redis refusing QUEUE_URL's credentials answers in its own words ("WRONGPASS invalid username-password pair…",
// "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option
// can be used…"): said here as the operator's fix, naming QUEUE_URL and where it points, never the password.

/** Whether `error` is Redis refusing QUEUE_URL's credentials (every connection of the queue meets it). */
export function isCredentialsRefusal(error: unknown): boolean {
  return error instanceof Error && /^(WRONGPASS|NOAUTH)\b/.test(error.message);
}

/** The one line for an error that is Redis refusing QUEUE_URL's credentials, or undefined for any other error. */
export function credentialsRefused(error: unknown, url: string): string | undefined {
  const message = error instanceof Error ? error.message : '';
  const where = hostOf(url);
  if (/^WRONGPASS\b/.test(message))
    return `QUEUE_URL: Redis at ${where} refused its user name and password: correct them in QUEUE_URL (redis://USER:PASSWORD@${where}, USER empty for Redis's requirepass)`;
  if (/^NOAUTH\b/.test(message))
    return `QUEUE_URL: Redis at ${where} needs a password and QUEUE_URL gives none: write it as redis://:PASSWORD@${where}`;
  return undefined;
}

function hostOf(url: string): string {
  const { host } = new URL(url);
  return host.includes(':') ? host : `${host}:6379`;
}

/**
 * The connection-error callback a role hands SharedState. A refusal of QUEUE_URL's credentials while `starting()`
 * goes to `refuse` (the start ends in its one line, so nothing warns beside it; a role whose start throws the
 * refusal itself gives none); once started it is warned in the same wording and the role keeps trying, as it does
 * through any outage, whose errors are warned in Redis's own words.
 */
export function connectionErrors(
  url: string,
  warn: (error: string) => void,
  starting: () => boolean,
  refuse: (line: string, error: Error) => void = () => undefined,
): (error: Error) => void {
  return (error) => {
    const refused = credentialsRefused(error, url);
    if (refused !== undefined && starting()) refuse(refused, error);
    else warn(refused ?? error.message);
  };
}
