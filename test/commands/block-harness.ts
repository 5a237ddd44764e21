// The setup the /block and /unblock tests share: commands over a real store and a queue that is not started (so a
// submitted job waits until the test runs it), an admin of both platforms, and contexts to speak as anyone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CommandContext, Commands } from '../../commands/commands.js';
import type { Reply } from '../../commands/reply.js';
import { JobQueue, JobStore, type Platform } from '../../src/jobs/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';

export const ADMIN = '900';

const open: Array<{ queue: JobQueue; store: JobStore }> = [];

/** For each test file's `afterEach`: stops every queue and closes every store `blockSetup` opened. */
export async function closeBlockSetups(): Promise<void> {
  for (const { queue, store } of open.splice(0)) {
    await queue.stop({ waitMs: 2000 });
    store.close();
  }
}

/** `dir`: an earlier setup's, to open its store again (a restart). `admins`: more user ids that are admins. */
export function blockSetup(dir = mkdtempSync(join(tmpdir(), 'dimoo-block-harness-')), admins: string[] = []) {
  const store = new JobStore(dir);
  const engine = new TimedEngineDouble(1, 3);
  store.setCalibration(engine.info.device, 0.002, 1);
  const queue = new JobQueue({
    store,
    engine,
    admins: [ADMIN, ...admins].flatMap((id) => [`discord:${id}`, `telegram:${id}`]),
    limits: { maxPerUser: 20, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  const opened = { queue, store };
  open.push(opened);
  let clock = 1_000_000;
  const commands = new Commands({
    queue,
    store,
    now: () => clock,
    config: {
      defaultLocale: 'en',
      limits: { rateLimitPerMinute: 0, maxInputBytes: 200_000, maxInputPixels: 1_000_000, blockedWords: [] },
    },
  });
  /** Speaking as `userId` in a chat of its own. */
  const as = (userId: string, platform: Platform = 'telegram'): CommandContext =>
    commands.context({ user: { platform, userId }, scope: `chat:${userId}`, language: 'en' });
  /** The admin, in a group, replying to `repliedUser`'s message if one is named. */
  const admin = (platform: Platform = 'telegram', repliedUser?: string): CommandContext =>
    commands.context({ user: { platform, userId: ADMIN }, scope: 'guild:1', language: 'en', repliedUser });
  /** Moves the commands' clock on by `ms`. */
  const advance = (ms: number) => {
    clock += ms;
  };
  /** A restart's first half: stops this queue and closes this store now, before a setup opens `dir` again. */
  const close = async () => {
    const at = open.indexOf(opened);
    // Closed twice, the second must not take another set-up's entry (its queue would never be stopped).
    if (at < 0) return;
    open.splice(at, 1);
    await queue.stop();
    store.close();
  };
  return { commands, queue, store, engine, dir, as, admin, advance, close };
}

export const keys = (reply: Reply | undefined) => reply?.text.map((line) => line.key);
export const lines = (reply: Reply | undefined) => reply?.text.map(({ key, params }) => ({ key, params }));
