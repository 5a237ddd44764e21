// The moment between a port's reservation letting go of it and its own server listening there (src/ops/
// port-reservations.ts, src/app-services.ts): a port another program takes then, or one the system refuses then, ends
// `npm start` with the same one line on stderr as the reservation's refusal (naming the variable to change) and exit
// code 1, with no stack trace; never a bot that runs on without that server. The moment is made certain by a double
// loaded into the process (test/doubles/port-thief.ts), which says `stolen <port>` when it used it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './ports.js';

const root = join(import.meta.dirname, '..');
const STACK_LINE = /\bat .*\.ts:\d+/;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Ended {
  code?: number;
  stdout: string;
  stderr: string;
}

/** `npm start` with the thief on `port`, run to its end (a start that does not fail is killed after 20 s). */
async function startWithThief(port: number, env: Record<string, string>): Promise<Ended> {
  const data = mkdtempSync(join(tmpdir(), 'dimoo-port-gap-'));
  dirs.push(data);
  const args = ['--import', 'tsx', '--import', './test/doubles/port-thief.ts', 'src/main.ts'];
  const result = await promisify(execFile)(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, DEVICE: 'cpu', DATA_DIR: data, PORT_THIEF_PORT: String(port), ...env },
    timeout: 20_000,
    killSignal: 'SIGKILL',
  }).catch((e: Ended) => e);
  return result as Ended;
}

const TELEGRAM = {
  TELEGRAM_TOKEN: '123456789:AAExampleExampleExampleExample_-xyz',
  TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/hook',
  TELEGRAM_WEBHOOK_SECRET: 'secret-value',
};
const DISCORD = { DISCORD_TOKEN: 'discord-token', DISCORD_PUBLIC_KEY: 'a'.repeat(64) };

const IN_USE = 'is already in use (another program listens there, or another dimoo-bot)';
const REFUSED = 'may not be opened by this user (ports below 1024 need privileges)';

const METRICS = [
  'METRICS_PORT',
  'METRICS_HOST',
  'the operators’ endpoints (/metrics, /healthz, /readyz)',
] as const;
const WEB = ['WEB_PORT', 'WEB_HOST', 'the playground'] as const;
const HOOK = ['TELEGRAM_WEBHOOK_PORT', 'TELEGRAM_WEBHOOK_HOST', "Telegram's webhook server"] as const;
const INTERACTIONS = [
  'DISCORD_INTERACTIONS_PORT',
  'DISCORD_INTERACTIONS_HOST',
  "Discord's interactions endpoint",
] as const;

interface Lost {
  server: readonly [variable: string, host: string, what: string];
  env: Record<string, string>;
  /** Taken by another program, or refused by the system with this code. */
  lost: 'taken' | 'EACCES';
  /** `npm start` as one process, or as a front-end of a shared queue (QUEUE_URL). */
  role: 'one process' | 'front-end';
}

describe('a port lost between its reservation and its server', () => {
  it.each<Lost>([
    { server: METRICS, env: {}, lost: 'taken', role: 'one process' },
    { server: WEB, env: {}, lost: 'taken', role: 'one process' },
    { server: HOOK, env: TELEGRAM, lost: 'taken', role: 'one process' },
    { server: INTERACTIONS, env: DISCORD, lost: 'taken', role: 'one process' },
    { server: METRICS, env: {}, lost: 'EACCES', role: 'one process' },
    { server: WEB, env: {}, lost: 'EACCES', role: 'one process' },
    // Its endpoints listen before anything reaches for Redis (nothing there to answer): nothing is left to close.
    { server: METRICS, env: { QUEUE_URL: 'redis://127.0.0.1:1' }, lost: 'taken', role: 'front-end' },
  ])(
    '$server.0 $lost ($role): the one line naming it, exit code 1',
    async ({ server: [variable, host, what], env, lost }) => {
      const port = await freePort();
      const ended = await startWithThief(port, {
        WEB_PORT: String(await freePort()),
        ...env,
        [variable]: String(port),
        ...(lost === 'taken' ? {} : { PORT_THIEF_REFUSES: lost }),
      });
      expect(ended.stdout).toContain(`stolen ${port}\n`);
      expect(ended.code).toBe(1);
      expect(ended.stdout + ended.stderr).not.toMatch(STACK_LINE);
      // Nothing logged at error or worse: the line says it all. Nothing of a shared queue was left trying to connect.
      expect(ended.stdout).not.toMatch(/"level":(50|60)/);
      expect(ended.stdout).not.toMatch(/queue error|shared queue connection/);
      const problem = lost === 'taken' ? IN_USE : REFUSED;
      expect(ended.stderr.trim().split('\n')).toEqual([
        `dimoo-bot could not start: ${what} cannot listen: 127.0.0.1:${port} ${problem}. Change ${variable} or ${host}.`,
      ]);
    },
    30_000,
  );
});
