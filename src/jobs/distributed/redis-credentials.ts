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
