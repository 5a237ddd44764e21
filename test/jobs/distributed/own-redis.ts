// A redis-server of a test's own, for what must never be done to the shared one (kill -9, DEBUG SLEEP, a password),
// on a port nothing listened on a moment ago: a fixed or pid-derived port could be a concurrent run's.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../ports.js';
import { redisReachable } from './redis-harness.js';

export function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface OwnRedis {
  port: number;
  server: ChildProcess;
}

/**
 * Starts redis-server with `args` on `port` (a free one unless given: a restart reuses its port) and resolves once
 * it answers at `url(port)`. Fails at once if the server ended first (its port taken meanwhile, a bad argument).
 */
export async function startOwnRedis(
  args: string[],
  options: { port?: number; url?: (port: number) => string } = {},
): Promise<OwnRedis> {
  const port = options.port ?? (await freePort());
  const url = options.url?.(port) ?? `redis://127.0.0.1:${port}`;
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], {
    stdio: 'ignore',
  });
  let ended: string | undefined;
  server.once('exit', (code, signal) => {
    ended = `own redis-server on port ${port} ended before answering (${signal ?? code})`;
  });
  server.once('error', (error) => {
    ended = `own redis-server could not be started: ${error.message}`;
  });
  const deadline = Date.now() + 10_000;
  while (!(await redisReachable(url))) {
    if (ended) throw new Error(ended);
    if (Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error(`own redis-server on port ${port} did not answer within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, server };
}

/**
 * A redis-server of the file's own that asks for `password` (nothing persisted), started before the file's tests and
 * killed after them; the getter gives its port, 0 where redis-server is not installed.
 */
export function ownRedisAskingFor(password: string): () => number {
  let own: OwnRedis | undefined;
  beforeAll(async () => {
    if (!hasRedisServer()) return;
    own = await startOwnRedis(['--save', '', '--appendonly', 'no', '--requirepass', password], {
      url: (port) => `redis://:${password}@127.0.0.1:${port}`,
    });
  }, 20_000);
  afterAll(() => {
    own?.server.kill('SIGKILL');
  });
  return () => own?.port ?? 0;
}
