// `npm run bench -- retention [--jobs 20000] [--orphans 2000] [--recent 1000] [--referenced 200] [--days 30]
// [--page-size 200]`: the retention sweep (src/jobs/retention.ts) over a DATA_DIR of `jobs` finished jobs past
// retention with their files on disk, `orphans` old folders no row claims (a crash's leftovers), and jobs that must
// keep their files: `recent` finished within retention (the first `referenced` of them follow-ups of old jobs, which
// stay while in use), old jobs still waiting or running, and fresh rowless folders (a submission being written).
// Records the sweep's wall time, jobs swept per second and the event loop's delay while it ran (monitorEventLoopDelay,
// 1 ms resolution) beside the same monitor over an idle loop for as long, in the same process, so the machine's own
// noise is visible; then checks what was removed and kept (a wrong sweep writes no figures and exits 1).
// → bench/results/retention.json
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Job, JobStore, RetentionSweeper, type SweepResult } from '../src/jobs/index.js';
import { aJob } from '../test/commands/job-fixture.js';
import { optionReader } from './lib/options.js';

const opt = optionReader();
const OLD = Number(opt('jobs', '20000'));
const ORPHANS = Number(opt('orphans', '2000'));
const RECENT = Number(opt('recent', '1000'));
const REFERENCED = Math.min(Number(opt('referenced', '200')), RECENT, OLD);
const DAYS = Number(opt('days', '30'));
const PAGE_SIZE = Number(opt('page-size', '200'));
/** Old jobs still queued or running, and rowless folders written just now: both keep their files. */
const WAITING = 100;
const FRESH_ORPHANS = 100;
/** The idle control runs as long as the sweep did, up to this. */
const CONTROL_MAX_MS = 30_000;

const DAY_MS = 24 * 60 * 60 * 1000;
const INPUT = new Uint8Array(512).fill(7);
const RESULT = new Uint8Array(4096).fill(9);
const JOB_BYTES = INPUT.length + RESULT.length;

const now = Date.now();
const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-bench-retention-'));
const store = new JobStore(dataDir);

function job(over: Partial<Job>): Job {
  const seq = store.nextSeq();
  return aJob({
    id: store.newId(),
    seq,
    owner: { platform: 'discord', userId: `u${seq % 1000}` },
    scope: 'guild:1',
    request: { task: 'text_to_image', prompt: 'a boat on a lake at dusk', width: 512, height: 512 },
    status: 'done',
    attempts: 1,
    estimatedCost: 1000,
    createdAt: now - 60 * DAY_MS,
    ...over,
  });
}

function stored(over: Partial<Job>): Job {
  const made = job(over);
  store.writeFile(made.id, 'input.png', INPUT);
  store.writeFile(made.id, 'result.png', RESULT);
  store.insert(made);
  return made;
}

/** A folder with no row, last changed `ageMs` ago (its files and itself). */
function orphan(ageMs: number): string {
  const id = store.newId();
  store.writeFile(id, 'input.png', INPUT);
  store.writeFile(id, 'result.png', RESULT);
  const at = (now - ageMs) / 1000;
  for (const name of ['input.png', 'result.png']) utimesSync(store.filePath(id, name), at, at);
  utimesSync(store.folder(id), at, at);
  return id;
}

// --- The DATA_DIR ---
const buildStarted = performance.now();
const old: Job[] = [];
const waiting: Job[] = [];
store.transaction(() => {
  for (let i = 0; i < OLD; i++) {
    const finishedAt = now - (DAYS + 1 + (i % 300)) * DAY_MS;
    const status = i % 10 === 0 ? 'failed' : i % 25 === 0 ? 'cancelled' : 'done';
    old.push(stored({ status, createdAt: finishedAt - 60_000, finishedAt }));
    if (i % Math.max(1, Math.floor(OLD / WAITING)) === 0 && waiting.length < WAITING)
      waiting.push(
        stored({ status: i % 2 === 0 ? 'queued' : 'running', createdAt: finishedAt, attempts: 0 }),
      );
  }
});
// Spread over the history, as users return to results of any age.
const step = Math.max(1, Math.floor(OLD / Math.max(REFERENCED, 1)));
const referenced = Array.from({ length: REFERENCED }, (_, i) => old[i * step] as Job);
const recent: Job[] = [];
store.transaction(() => {
  for (let i = 0; i < RECENT; i++) {
    const finishedAt = now - (i % DAYS) * DAY_MS - 60_000;
    const origin = referenced[i]?.id;
    recent.push(
      stored({
        meta: origin ? { locale: 'en', origin } : { locale: 'en' },
        createdAt: finishedAt - 60_000,
        finishedAt,
      }),
    );
  }
});
const oldOrphans = Array.from({ length: ORPHANS }, (_, i) => orphan((DAYS + 1 + (i % 30)) * DAY_MS));
const freshOrphans = Array.from({ length: FRESH_ORPHANS }, () => orphan(60_000));
const buildMs = performance.now() - buildStarted;

// --- The sweep, then an idle loop as long ---
interface LoopFigures {
  max: number;
  p99: number;
  p50: number;
  mean: number;
  samples: number;
}
const ms = (ns: number) => Math.round(ns / 1e4) / 100;
const figures = (h: IntervalHistogram): LoopFigures => ({
  max: ms(h.max),
  p99: ms(h.percentile(99)),
  p50: ms(h.percentile(50)),
  mean: ms(h.mean),
  samples: h.count,
});

async function watched<T>(
  during: () => Promise<T>,
): Promise<{ value: T; wallMs: number; loop: LoopFigures }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const value = await during();
  const wallMs = performance.now() - started;
  histogram.disable();
  return { value, wallMs, loop: figures(histogram) };
}

const warnings: string[] = [];
const sweeper = new RetentionSweeper({
  store,
  days: DAYS,
  now: () => now,
  pageSize: PAGE_SIZE,
  log: (level, message, fields) => {
    if (level !== 'info') warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
  },
});
const sweep = await watched(() => sweeper.sweep());
const controlMs = Math.min(Math.max(sweep.wallMs, 1000), CONTROL_MAX_MS);
const control = await watched(() => sleep(controlMs));

// --- What was removed and kept ---
const left = new Set(readdirSync(store.filesRoot));
const rows = new Map<string, Job>();
for (let before = Number.MAX_SAFE_INTEGER; ; ) {
  const page = store.before(before, 5000);
  if (page.length === 0) break;
  for (const row of page) rows.set(row.id, row);
  before = (page.at(-1) as Job).seq;
}
const failures: string[] = [...warnings];
function check(what: string, ids: readonly string[], ok: (id: string) => boolean): void {
  const bad = ids.filter((id) => !ok(id));
  if (bad.length > 0) failures.push(`${what}: ${bad.length} of ${ids.length} wrong (first ${bad[0]})`);
}
const keptIds = new Set(referenced.map((j) => j.id));
const expiredIds = old.filter((j) => !keptIds.has(j.id)).map((j) => j.id);
const intact = (id: string) => left.has(id) && rows.get(id)?.filesRemoved === undefined;
check('old jobs past retention removed and marked expired', expiredIds, (id) => {
  const removal = rows.get(id)?.filesRemoved;
  return !left.has(id) && removal?.reason === 'expired' && removal.afterDays === DAYS;
});
check('old jobs a recent follow-up was made from kept', [...keptIds], intact);
check(
  'recent jobs kept',
  recent.map((j) => j.id),
  intact,
);
check(
  'old jobs still waiting or running kept',
  waiting.map((j) => j.id),
  intact,
);
check('old rowless folders removed', oldOrphans, (id) => !left.has(id));
check('fresh rowless folders kept', freshOrphans, (id) => left.has(id));
const expected: SweepResult = {
  expired: expiredIds.length,
  deleted: 0,
  orphans: ORPHANS,
  freedBytes: (expiredIds.length + ORPHANS) * JOB_BYTES,
};
if (JSON.stringify(sweep.value) !== JSON.stringify(expected))
  failures.push(`sweep result ${JSON.stringify(sweep.value)}, expected ${JSON.stringify(expected)}`);
const keptFolders = referenced.length + recent.length + waiting.length + FRESH_ORPHANS;
if (left.size !== keptFolders) failures.push(`${left.size} folders left, expected ${keptFolders}`);

store.close();
rmSync(dataDir, { recursive: true, force: true });
if (failures.length > 0) {
  process.stderr.write(
    `The sweep removed or kept the wrong folders; no figures written:\n${failures.join('\n')}\n`,
  );
  process.exit(1);
}

const perS = (n: number) => Math.round(n / (sweep.wallMs / 1000));
const out = {
  when: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  node: process.version,
  command:
    `npm run bench -- retention --jobs ${OLD} --orphans ${ORPHANS} --recent ${RECENT} ` +
    `--referenced ${REFERENCED} --days ${DAYS} --page-size ${PAGE_SIZE}`,
  data_dir: {
    rows: rows.size,
    old_finished_jobs: OLD,
    referenced_by_recent_follow_ups: REFERENCED,
    recent_jobs: RECENT,
    old_waiting_or_running: WAITING,
    old_rowless_folders: ORPHANS,
    fresh_rowless_folders: FRESH_ORPHANS,
    files_per_folder: 2,
    bytes_per_folder: JOB_BYTES,
    build_s: Math.round(buildMs / 100) / 10,
  },
  sweep: {
    wall_ms: Math.round(sweep.wallMs),
    expired_jobs_per_s: perS(sweep.value.expired),
    folders_removed_per_s: perS(sweep.value.expired + sweep.value.orphans),
    rows_walked_per_s: perS(rows.size),
    result: sweep.value,
  },
  event_loop_delay_ms: {
    during_sweep: sweep.loop,
    idle_control: { ...control.loop, duration_ms: Math.round(control.wallMs) },
  },
  kept: {
    referenced_old_jobs: REFERENCED,
    recent_jobs: RECENT,
    waiting_or_running: WAITING,
    fresh_rowless_folders: FRESH_ORPHANS,
  },
  checks: 'passed: expired jobs removed and marked, orphans removed, referenced/recent/waiting/fresh kept',
  note:
    'The sweep yields to the event loop after each page of rows (page-size) and of rowless folders; ' +
    'its max delay against the idle control is how long a reply may wait behind it.',
};
writeFileSync(
  fileURLToPath(new URL('./results/retention.json', import.meta.url)),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
