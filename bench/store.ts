// `npm run bench -- store [--jobs 100000] [--users 1000]`: one user's queries on a job store of many users' finished
// jobs (JobStore is SQLite, synchronous: its time is time the event loop waits), with the owner index the store
// creates and with it dropped. → bench/results/store.json
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Job, JobStore } from '../src/jobs/index.js';
import { optionReader } from './lib/options.js';

const opt = optionReader();
const jobs = Number(opt('jobs', '100000'));
const users = Number(opt('users', '1000'));
const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-bench-store-'));
const store = new JobStore(dataDir);
store.transaction(() => {
  for (let i = 1; i <= jobs; i++) {
    const job: Job = {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      seq: i,
      owner: { platform: 'discord', userId: `u${i % users}` },
      scope: 'guild:1',
      kind: 'imagine',
      request: {
        task: 'text_to_image',
        prompt: 'a boat on a lake at dusk, film grain',
        width: 512,
        height: 512,
      },
      meta: { locale: 'en', private: false },
      priority: 'normal',
      status: 'done',
      attempts: 1,
      estimatedCost: 1000,
      measuredMs: 2000,
      createdAt: i,
      finishedAt: i,
      result: { file: 'result.png', seed: i, width: 512, height: 512 },
    };
    store.insert(job);
  }
});
store.close();

const owner = { platform: 'discord' as const, userId: 'u7' };
const queries = {
  usage_of: (s: JobStore) => s.usageOf(owner),
  recent_of_50: (s: JobStore) => s.recentOf(owner, 50),
  history_page: (s: JobStore) => s.pageOf(owner, undefined, 20),
};
/** The fastest of five runs of each query, in ms. */
function measure(s: JobStore): Record<string, number> {
  return Object.fromEntries(
    Object.entries(queries).map(([name, run]) => {
      const runs: number[] = [];
      for (let r = 0; r < 5; r++) {
        const started = performance.now();
        run(s);
        runs.push(performance.now() - started);
      }
      return [name, Math.round(Math.min(...runs) * 100) / 100];
    }),
  );
}

const indexed = new JobStore(dataDir);
const withIndex = measure(indexed);
indexed.close();
// The same file without the index (opening the store creates it, so it is dropped on the store's own connection):
// what a query costs when it reads every user's jobs.
const bare = new JobStore(dataDir);
// biome-ignore lint/suspicious/noExplicitAny: the store keeps its connection private; a benchmark reaches in.
const db = (bare as any).db as import('better-sqlite3').Database;
db.exec('DROP INDEX jobs_owner');
const scan = (
  db
    .prepare('EXPLAIN QUERY PLAN SELECT body FROM jobs WHERE owner = ? ORDER BY seq DESC')
    .all('discord:u7') as Array<{
    detail: string;
  }>
)
  .map((r) => r.detail)
  .join('; ');
const withoutIndex = measure(bare);
bare.close();

const out = {
  when: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  command: `npm run bench -- store --jobs ${jobs} --users ${users}`,
  jobs,
  users,
  best_ms_with_owner_index: withIndex,
  best_ms_without_owner_index: withoutIndex,
  plan_without_index: scan,
  note: '/info runs usage_of three times; a Discord interaction must be answered within 3 s and the store is synchronous',
};
writeFileSync(
  fileURLToPath(new URL('./results/store.json', import.meta.url)),
  `${JSON.stringify(out, null, 2)}\n`,
);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
