// Does a bot that runs for weeks keep its memory flat? The product as `npm start` composes it, in this process:
// the real engine on the bundled tiny checkpoint (256², 1 step: the smallest a user may ask for), the SQLite queue,
// the Discord, Telegram and playground adapters with the one Commands. The users sit in a child process
// (bench/lib/soak-peers.ts) with the in-repo fakes, so what the fakes record is not counted here. They send
// imagines, describes, cancels (button and command), deletes, rerolls and refused lines from a sliding window of
// users on all three platforms. After each round the bench waits for the queue to empty and the updates to land,
// then samples: RSS, heap used after a forced GC, external/arrayBuffers, open handles, the sizes of the collections
// reachable from the bot's long-lived objects, the SQLite file. It reports each one's growth per 1000 actions
// (least squares over the samples after the warm-up round).
//   node --expose-gc --import tsx bench/memory-soak.ts [--jobs 2000] [--round 200] [--users 12] [--seed 7]
//     [--settle-ms 2500] [--snapshots]   (heap snapshots after warm-up and at the end, diffed by constructor)
// Writes bench/results/memory-soak.json with the command that produced it.
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { startDiscord } from '../adapters/discord/index.js';
import { startTelegram } from '../adapters/telegram/index.js';
import { startPlayground } from '../adapters/web/index.js';
import { buildCommands } from '../src/app-services.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { openServices } from '../src/services.js';
import {
  collectionSizes,
  countsByConstructor,
  type MemorySample,
  sampleMemory,
  slope,
} from './lib/memory-probe.js';
import type { FromChild, SoakPlan, ToChild } from './lib/soak-peers.js';

const self = fileURLToPath(import.meta.url);
if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  // `npm run bench -- memory-soak` starts it without --expose-gc: start again with it.
  const run = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', self, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(run.status ?? 1);
}

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '2000' },
    round: { type: 'string', default: '200' },
    users: { type: 'string', default: '12' },
    seed: { type: 'string', default: '7' },
    'settle-ms': { type: 'string', default: '2500' },
    snapshots: { type: 'boolean', default: false },
  },
});
const jobs = Number(values.jobs);
const round = Number(values.round);
const settleMs = Number(values['settle-ms']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const work = mkdtempSync(join(tmpdir(), 'dimoo-memory-soak-'));
const peers: ChildProcess = fork(fileURLToPath(new URL('./lib/soak-peers.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const inbox: FromChild[] = [];
let wake: (() => void) | undefined;
peers.on('message', (m) => {
  inbox.push(m as FromChild);
  wake?.();
});
/** The child's next message, in order. */
async function receive(): Promise<FromChild> {
  for (;;) {
    const message = inbox.shift();
    if (message) return message;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}
async function expect<T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> {
  const message = await receive();
  if (message.type !== type) throw new Error(`soak peers said ${message.type}, expected ${type}`);
  return message as Extract<FromChild, { type: T }>;
}
const tell = (message: ToChild) => peers.send(message);

const where = await expect('peers');
const config = loadConfig({
  DATA_DIR: join(work, 'data'),
  DEVICE: 'cpu',
  DISCORD_TOKEN: where.discord.token,
  TELEGRAM_TOKEN: where.telegram.token,
  // Several actions a minute per user: some are refused by the window, as they would be.
  RATE_LIMIT_PER_MINUTE: '20',
});
const log = createLogger({ level: process.env.SOAK_LOG_LEVEL ?? 'silent', pretty: false });
let unhandled = 0;
process.on('unhandledRejection', () => {
  unhandled += 1;
});
const services = await openServices(config, log);
const commands = buildCommands({ config, log }, services);
const discord = await startDiscord({ config, log }, services, commands, {
  rest: where.discord.rest,
  cdnHosts: where.discord.cdnHosts,
});
const telegram = await startTelegram({ config, log }, services, commands, {
  apiRoot: where.telegram.apiRoot,
});
// Port 0: the system picks a free one (WEB_PORT itself must name one).
const playground = await startPlayground(
  { config: { ...config, web: { ...config.web, port: 0 } }, log },
  services,
  commands,
);
services.start();
const roots = { services, commands, discord: discord.bot, telegram: telegram.bot };

interface Sample extends MemorySample {
  actions: number;
  jobsCreated: number;
  sqliteBytes: number;
  jobFolders: number;
  wallS: number;
}
const started = Date.now();
const samples: Sample[] = [];
const collections: Map<string, number>[] = [];

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

async function quiet(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (services.jobs.store.byStatus('queued', 'running').length > 0 && Date.now() < deadline)
    await sleep(100);
  await commands.settleUpdates(10_000);
  // The status trackers pace their edits (about one a second per chat); the last ones land within this.
  await sleep(settleMs);
}

function takeSample(actions: number): Sample {
  const sqlite = join(config.dataDir, 'jobs.sqlite');
  const jobsDir = join(config.dataDir, 'jobs');
  const memory = sampleMemory();
  collections.push(collectionSizes(roots));
  return {
    actions,
    jobsCreated: services.jobs.store.before(Number.MAX_SAFE_INTEGER, 1)[0]?.seq ?? 0,
    ...memory,
    sqliteBytes: fileSize(sqlite) + fileSize(`${sqlite}-wal`),
    jobFolders: existsSync(jobsDir) ? readdirSync(jobsDir).length : 0,
    wallS: Math.round((Date.now() - started) / 1000),
  };
}

const plan: SoakPlan = {
  webUrl: playground.url,
  jobs,
  round,
  activeUsers: Number(values.users),
  seed: Number(values.seed),
};
tell({ type: 'go', plan });
const snapshots: string[] = [];
let finished: Extract<FromChild, { type: 'finished' }> | undefined;
for (;;) {
  const next = await receive();
  if (next.type === 'finished') {
    finished = next;
    break;
  }
  if (next.type !== 'round') continue;
  await quiet();
  const sample = takeSample(next.sent);
  samples.push(sample);
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  process.stdout.write(
    `${String(next.sent).padStart(6)} actions ${String(sample.jobsCreated).padStart(6)} jobs  rss ${mib(sample.rssBytes)} MiB  heap ${mib(sample.heapUsedBytes)} MiB  external ${mib(sample.externalBytes)} MiB  handles ${sample.handlesTotal}  sqlite ${mib(sample.sqliteBytes)} MiB  ${sample.wallS} s\n`,
  );
  if (values.snapshots && (samples.length === 1 || next.sent >= jobs))
    snapshots.push(writeHeapSnapshot(join(work, `heap-${samples.length}.heapsnapshot`)));
  tell({ type: 'next' });
}

// Growth per 1000 actions, after the warm-up round (the first sample: caches, JIT, onnxruntime's arenas).
const steady = samples.length >= 3 ? samples.slice(1) : samples;
const xs = steady.map((s) => s.actions);
const per1000 = (pick: (s: Sample) => number) => Math.round(slope(xs, steady.map(pick)) * 1000);
const growth = {
  rssBytes: per1000((s) => s.rssBytes),
  heapUsedBytes: per1000((s) => s.heapUsedBytes),
  externalBytes: per1000((s) => s.externalBytes),
  arrayBuffersBytes: per1000((s) => s.arrayBuffersBytes),
  handles: per1000((s) => s.handlesTotal),
  sqliteBytes: per1000((s) => s.sqliteBytes),
  jobFolders: per1000((s) => s.jobFolders),
  jobsCreated: per1000((s) => s.jobsCreated),
};
// Collections that grew from the first sample to the last, biggest growth first. Several are bounded by design
// (README: memory-soak); one that keeps growing with a longer --jobs is a leak.
const first = collections[0] ?? new Map<string, number>();
const last = collections.at(-1) ?? new Map<string, number>();
const grownCollections = [...last.entries()]
  .map(([path, size]) => ({ path, first: first.get(path) ?? 0, last: size }))
  .filter((c) => c.last > c.first)
  .sort((a, b) => b.last - b.first - (a.last - a.first))
  .slice(0, 25);

let heapDiff: { constructor: string; first: number; last: number; bytesGrown: number }[] | undefined;
if (snapshots.length === 2) {
  const [a, b] = await Promise.all(snapshots.map((file) => countsByConstructor(file)));
  heapDiff = [...(b ?? new Map()).entries()]
    .map(([name, v]) => ({
      constructor: name,
      first: a?.get(name)?.count ?? 0,
      last: v.count,
      bytesGrown: v.bytes - (a?.get(name)?.bytes ?? 0),
    }))
    .filter((d) => d.last > d.first)
    .sort((x, y) => y.last - y.first - (x.last - x.first))
    .slice(0, 30);
}

await playground.stop();
await discord.stop();
await telegram.stop();
commands.closeUpdates();
await services.close();
const exited = new Promise((resolve) => peers.once('exit', resolve));
tell({ type: 'stop' });
await exited;
rmSync(work, { recursive: true, force: true });

const command = `node --expose-gc --import tsx bench/memory-soak.ts --jobs ${jobs} --round ${round} --users ${plan.activeUsers} --seed ${plan.seed} --settle-ms ${settleMs}${values.snapshots ? ' --snapshots' : ''}`;
const result = {
  command,
  what: 'growth per 1000 actions (least squares over the samples after the warm-up round; each taken with the queue empty, after a forced GC)',
  options: { jobs, round, users: plan.activeUsers, seed: plan.seed, settleMs, size: 256, steps: 1 },
  growthPer1000Actions: growth,
  sent: finished?.kinds,
  driverErrors: finished?.errors,
  unhandledRejections: unhandled,
  grownCollections,
  heapDiff,
  samples: samples.map((s) => ({ ...s })),
  node: process.version,
  cpus: 2,
  at: new Date().toISOString(),
};
process.stdout.write(
  `${JSON.stringify({ growthPer1000Actions: growth, grownCollections, heapDiff }, null, 2)}\n`,
);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/memory-soak.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
