// Ctrl-C while a job runs, on the real `npm start` process (bundled random checkpoint, playground): the process
// stops taking jobs, gives the running job SHUTDOWN_GRACE_S to finish or puts it back into the queue, closes the
// database last and exits 0 within the grace (plus the abort of one engine step); a second signal exits at once.
// The job is a 128-step /imagine, long enough to be caught running on any machine; at 1024² with two more waiting
// (its previews' renders lag behind its steps), each owner reads that the bot restarts and nothing is rendered
// against the closed database.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './ports.js';

const root = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(dataDir: string, port: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      WEB_PORT: String(port),
      DEVICE: 'cpu',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_S: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, exited, output: () => output };
}

async function until(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function statuses(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'jobs.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT status FROM jobs ORDER BY seq').all() as Array<{ status: string }>).map(
      (r) => r.status,
    );
  } finally {
    db.close();
  }
}

function attemptsOf(dataDir: string): Array<{ status: string; attempts: number }> {
  const db = new Database(join(dataDir, 'jobs.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT body FROM jobs ORDER BY seq').all() as Array<{ body: string }>).map((r) => {
      const { status, attempts } = JSON.parse(r.body) as { status: string; attempts: number };
      return { status, attempts };
    });
  } finally {
    db.close();
  }
}

async function imagine(port: number, line: string, cookie?: string): Promise<void> {
  const boundary = '----dimooshutdown';
  const body = `--${boundary}\r\ncontent-disposition: form-data; name="text"\r\n\r\n${line}\r\n--${boundary}--\r\n`;
  const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...(cookie ? { cookie } : {}) },
    body,
  });
  expect(res.status).toBe(200);
}

/** A playground user (its cookie) and the lines of every job update its page receives. */
async function watch(port: number): Promise<{ cookie: string; lines: string[] }> {
  const info = await fetch(`http://127.0.0.1:${port}/api/info`);
  const cookie = (info.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const lines: string[] = [];
  const res = await fetch(`http://127.0.0.1:${port}/api/events`, { headers: { cookie } });
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (event.startsWith('data: ')) lines.push(...(JSON.parse(event.slice(6)).lines as string[]));
        }
      }
    } catch {
      // The stream ends with the process.
    }
  })();
  return { cookie, lines };
}

describe('SIGINT while a job runs (npm start)', () => {
  it('exits 0 within the grace, the job finished or back in the queue, and the next start runs it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-shutdown-'));
    const port = await freePort();
    const bot = start(dataDir, port);
    await until(() => bot.output().includes('playground ready'), 'the playground is ready', 120_000);
    const page = await watch(port);
    await imagine(port, '/imagine a fox in the snow --steps 128 --seed 1 --size 1024', page.cookie);
    await imagine(port, '/imagine a cat', page.cookie);
    await imagine(port, '/imagine a dog', page.cookie);
    await until(() => statuses(dataDir).includes('running'), 'the job runs', 60_000);
    await until(() => page.lines.some((l) => l.includes('step')), 'the page shows its progress', 60_000);

    const sentAt = Date.now();
    bot.child.kill('SIGINT');
    const { code, signal, at } = await bot.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The grace is 1 s; an aborted run ends within one engine step, and closing the model takes a moment.
    expect(at - sentAt).toBeLessThan(1000 + 15_000);
    const [status] = statuses(dataDir);
    expect(['done', 'queued']).toContain(status);
    expect(bot.output()).toContain('stopped');
    // Every job event was rendered before the database closed (pino's level 50 is an error).
    expect(bot.output()).not.toContain('"level":50');
    const restarting = (words: string) => page.lines.filter((l) => l.includes(words)).length;
    if (status === 'queued') expect(restarting('start again from the beginning')).toBe(1);
    expect(restarting('keeps its place in the queue')).toBe(2);

    if (status === 'queued') {
      // Back in the queue means the next start runs it again.
      const again = start(dataDir, port);
      await until(
        () => ['running', 'done'].includes(statuses(dataDir)[0] ?? ''),
        'the re-queued job starts again after a restart',
        120_000,
      );
      again.child.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    }
  }, 300_000);

  it('exits at once on a second signal', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-shutdown-'));
    const port = await freePort();
    const bot = start(dataDir, port);
    await until(() => bot.output().includes('playground ready'), 'the playground is ready', 120_000);
    await imagine(port, '/imagine a boat --steps 128 --seed 2');
    await until(() => statuses(dataDir).includes('running'), 'the job runs', 60_000);
    bot.child.kill('SIGINT');
    await until(() => bot.output().includes('shutting down'), 'the first signal was taken', 10_000);
    bot.child.kill('SIGINT');
    const { code } = await bot.exited;
    expect(code).toBe(130);
    expect(bot.output()).toContain('second signal while stopping');
    // Back in the queue as the stop's abort would have put it: the next start runs it with its one retry kept, not
    // as a job a crash interrupted (run once more, then apologised for).
    expect(attemptsOf(dataDir)).toEqual([{ status: 'queued', attempts: 0 }]);
  }, 300_000);
});
