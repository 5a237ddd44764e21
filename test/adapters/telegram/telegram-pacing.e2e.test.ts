// Flood control of the Telegram adapter with many jobs waiting in one group: edits of that chat keep the group gap
// across all its jobs, and a waiting job's position is shown only on the geometric schedule. The engine is the
// timed test double (the real one is covered by the other e2e files): this is about the adapter's pacing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramBot } from '../../../adapters/telegram/bot.js';
import { Commands, positionMilestones } from '../../../commands/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { JobQueue, JobStore } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';

const JOBS = 20;
const GROUP_GAP_MS = 250;
let fake: FakeTelegram;
let queue: JobQueue;
let bot: TelegramBot;
/** Edits as the bot issued them, by its own clock (arrival stamps at the stand-in share the loaded event loop). */
const issuedEdits: Array<{ chatId: unknown; at: number }> = [];

beforeAll(async () => {
  fake = await startFakeTelegram({ maxLongPollMs: 300, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  const dir = mkdtempSync(join(tmpdir(), 'dimoo-telegram-pacing-'));
  const config = loadConfig({ DATA_DIR: dir, TELEGRAM_TOKEN: fake.token, RATE_LIMIT_PER_MINUTE: '0' });
  const store = new JobStore(dir);
  queue = new JobQueue({
    store,
    engine: new TimedEngineDouble(80, 3),
    limits: { maxPerUser: 50, maxRunningPerUser: 1, maxPerScope: 50, maxTotal: 50, jobTimeoutMs: 60_000 },
  });
  const commands = new Commands({
    queue,
    store,
    config,
    platforms: { telegram: { originalFileButton: true } },
  });
  bot = new TelegramBot({
    config,
    commands,
    log: createLogger({ level: 'silent', pretty: false }),
    deliveries: store.deliveries,
    jobs: { store, queue },
    apiRoot: fake.apiRoot,
    editIntervalMs: { private: 50, group: GROUP_GAP_MS },
  });
  bot.bot.api.config.use((prev, method, payload, signal) => {
    if (method === 'editMessageText')
      issuedEdits.push({ chatId: (payload as { chat_id?: unknown }).chat_id, at: Date.now() });
    return prev(method, payload, signal);
  });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await queue?.stop({ waitMs: 2000 });
  await fake?.stop();
});

const textOf = (call: { params: Record<string, unknown> }) => String(call.params.text ?? '');
const markupOf = (call: { params: Record<string, unknown> }) =>
  JSON.stringify(call.params.reply_markup ?? '');

describe('Telegram flood control with a long queue in one group', { timeout: 60_000 }, () => {
  it('spaces the group’s edits by the group gap and shows positions only on the geometric schedule', async () => {
    for (let i = 0; i < JOBS; i++) fake.injectText(`/imagine picture number ${i}`, { chat: 'group' });
    const queued = await fake.waitForCalls(
      (c) => c.method === 'sendMessage' && /^Queued/.test(textOf(c)),
      JOBS,
      20_000,
    );
    expect(textOf(queued.at(-1) ?? { params: {} })).toMatch(/19 jobs ahead/);

    queue.start();
    await fake.waitForCalls('sendPhoto', JOBS, 40_000);

    const edits = fake.callsTo(
      (c) => c.method === 'editMessageText' && c.params.chat_id === fake.world.group.id,
    );
    expect(edits.length).toBeGreaterThan(5);
    const times = issuedEdits.filter((e) => e.chatId === fake.world.group.id).map((e) => e.at);
    expect(times).toHaveLength(edits.length);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(GROUP_GAP_MS - 15); // a few ms of work between the turn and the call
    }

    // Waiting jobs show a position only when it reaches another rung of the ladder (19 waited behind: 15–18 share
    // the rung 14), always going down. The position shown is the job's own: when two jobs finish within one group
    // gap, a job can step from 10 straight to 8, which is shown (rung 7), though 8 is no rung itself.
    const ladder = positionMilestones(100);
    const rung = (ahead: number) => ladder.filter((r) => r <= ahead).at(-1);
    const shownBy = new Map<string, number[]>();
    for (const call of edits.filter((c) => /^Queued/.test(textOf(c)))) {
      const job = /cancel:([0-9a-f-]{36})/.exec(markupOf(call))?.[1] as string;
      const ahead = /starting now/.test(textOf(call))
        ? 0
        : Number(/(\d+) jobs? ahead/.exec(textOf(call))?.[1]);
      shownBy.set(job, [...(shownBy.get(job) ?? []), ahead]);
    }
    expect(shownBy.size).toBeGreaterThan(0);
    for (const shown of shownBy.values()) {
      expect([...shown].sort((a, b) => b - a)).toEqual(shown);
      expect(new Set(shown.map(rung)).size).toBe(shown.length);
    }
  });
});
