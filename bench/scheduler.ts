// Fair share vs FIFO in virtual time: one heavy user with a long backlog of costly 1024² jobs, a medium user who
// joins later, and light users arriving over time with cheap describe and 512² jobs. Costs come from the engine's
// `estimateCost`; the pick/charge/lift rules are JobQueue's (FairScheduler, charge at start, FairCounters: lift on
// return among the waiting and running users, the floor for a user alone or new, idle users at or below it let go).
// `fair_no_floor` is the rule before the floor (lift among the waiting users only, a new user at 0, every counter
// kept). A second workload, `comeback`, is where the two differ: the queue empties between two sessions.
//   node --import tsx bench/scheduler.ts [--runs 20] [--window-s 300]
// Writes bench/results/scheduler.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type EngineRequest, estimateCost } from '../engine/index.js';
import { mulberry32 } from '../engine/testing/mulberry32.js';
import { FairCounters } from '../src/jobs/fair-counters.js';
import { type Candidate, charge, FairScheduler, liftReturningUser } from '../src/jobs/index.js';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '20' }, 'window-s': { type: 'string', default: '300' } },
});
const RUNS = Number(values.runs);
const WINDOW_MS = Number(values['window-s']) * 1000;
const AGING_MS = 10 * 60_000; // JobQueue's default

const JOB_CLASSES = {
  t2i_1024: { task: 'text_to_image', prompt: 'x'.repeat(120), width: 1024, height: 1024 },
  t2i_512: { task: 'text_to_image', prompt: 'x'.repeat(120), width: 512, height: 512 },
  // A short caption: 32 tokens decoded in 32 steps.
  describe: {
    task: 'understand',
    image: { width: 1024, height: 1024, data: new Uint8Array(0) },
    steps: 32,
    genLength: 32,
    blockLength: 32,
  },
} satisfies Record<string, EngineRequest>;
type JobClass = keyof typeof JOB_CLASSES;
const COST = Object.fromEntries(
  Object.entries(JOB_CLASSES).map(([k, r]) => [k, estimateCost(r as EngineRequest)]),
) as Record<JobClass, number>;
// Seconds per unit chosen so a 64-step 1024² image takes 60 s (an assumption; only ratios matter for fairness).
const MS_PER_UNIT = 60_000 / COST.t2i_1024;

interface SimJob {
  id: string;
  user: string;
  role: 'heavy' | 'medium' | 'light' | 'history' | 'regular' | 'newcomer';
  cls: JobClass;
  arrival: number;
  seq: number;
  cost: number;
  serviceMs: number;
  start?: number;
  end?: number;
}

function workload(seed: number): SimJob[] {
  const random = mulberry32(seed);
  const jobs: Omit<SimJob, 'seq' | 'id'>[] = [];
  const add = (user: string, role: SimJob['role'], cls: JobClass, arrival: number) =>
    // The measured time differs from the estimate by ±15%: the scheduler only ever sees the estimate.
    jobs.push({
      user,
      role,
      cls,
      arrival,
      cost: COST[cls],
      serviceMs: COST[cls] * MS_PER_UNIT * (0.85 + 0.3 * random()),
    });
  for (let i = 0; i < 30; i++) add('heavy', 'heavy', i % 2 === 0 ? 't2i_1024' : 't2i_512', i);
  const mediumAt = 5 * 60_000;
  for (let i = 0; i < 16; i++) add('medium', 'medium', 't2i_512', mediumAt + i);
  for (let u = 0; u < 12; u++) {
    const arrival = Math.round(random() * 18 * 60_000);
    const roll = random();
    const cls: JobClass = roll < 0.6 ? 'describe' : roll < 0.9 ? 't2i_512' : 't2i_1024';
    add(`light${u}`, 'light', cls, arrival);
    if (random() < 0.3) add(`light${u}`, 'light', 'describe', arrival + 1);
  }
  return jobs.sort((a, b) => a.arrival - b.arrival).map((j, i) => ({ ...j, seq: i + 1, id: `j${i + 1}` }));
}

/**
 * Regulars, each with a history of 512² jobs run alone before the bench's window (the queue then empty), and as
 * many newcomers, all arriving within a minute with a backlog of 512² jobs each.
 */
function comeback(seed: number): SimJob[] {
  const random = mulberry32(seed);
  const jobs: Omit<SimJob, 'seq' | 'id'>[] = [];
  const add = (user: string, role: SimJob['role'], arrival: number) =>
    jobs.push({
      user,
      role,
      cls: 't2i_512',
      arrival,
      cost: COST.t2i_512,
      serviceMs: COST.t2i_512 * MS_PER_UNIT * (0.85 + 0.3 * random()),
    });
  // History: one regular at a time, each done before the next comes (a day of use, the queue empty after it).
  let t = 0;
  for (let u = 0; u < 4; u++) {
    const history = 5 + Math.floor(random() * 20);
    for (let i = 0; i < history; i++) add(`regular${u}`, 'history', t + i);
    t += history * 20_000;
  }
  const session = t + 3600_000;
  for (let u = 0; u < 4; u++) {
    for (const [user, role] of [
      [`regular${u}`, 'regular'],
      [`new${u}`, 'newcomer'],
    ] as const) {
      const arrival = session + Math.round(random() * 60_000);
      const backlog = 4 + Math.floor(random() * 5);
      for (let i = 0; i < backlog; i++) add(user, role, arrival + i);
    }
  }
  return jobs.sort((a, b) => a.arrival - b.arrival).map((j, i) => ({ ...j, seq: i + 1, id: `j${i + 1}` }));
}

type Policy = 'fair' | 'fair_no_floor' | 'fifo';

/** The table FairCounters would write, left out: the bench keeps counters in memory only. */
const NO_TABLE = {
  counters: () => new Map<string, number>(),
  forgetCounters: () => undefined,
  fairnessFloor: () => 0,
  setFairnessFloor: () => undefined,
  transaction: (work: () => void) => work(),
};

/** One worker, virtual time: at each free moment the policy picks among the jobs that have arrived. */
function simulate(all: SimJob[], policy: Policy): SimJob[] {
  const jobs = all.map((j) => ({ ...j }));
  const scheduler = new FairScheduler({
    agingMs: AGING_MS,
    maxRunningPerUser: 1,
  });
  const fair = new FairCounters(NO_TABLE);
  const counters = policy === 'fair' ? fair.counters : new Map<string, number>();
  const queued: SimJob[] = [];
  let running: SimJob | undefined;
  let next = 0;
  let now = 0;
  let done = 0;
  const admit = (until: number) => {
    while (next < jobs.length && (jobs[next] as SimJob).arrival <= until) {
      const job = jobs[next++] as SimJob;
      const active = new Set(queued.map((j) => j.user));
      if (policy === 'fair') {
        // As JobQueue: a running job's owner is active too, and the floor is where a user alone or new starts.
        if (running) active.add(running.user);
        if (!active.has(job.user)) fair.lift(job.user, active);
      } else if (!active.has(job.user)) liftReturningUser(counters, job.user, active);
      queued.push(job);
    }
  };
  while (done < jobs.length) {
    admit(now);
    if (queued.length === 0) {
      now = (jobs[next] as SimJob).arrival;
      continue;
    }
    let chosen: SimJob;
    if (policy === 'fifo') {
      chosen = queued.reduce((a, b) => (b.seq < a.seq ? b : a));
    } else {
      const candidates: Candidate[] = queued.map((j) => ({
        id: j.id,
        user: j.user,
        seq: j.seq,
        cost: j.cost,
        priority: 'normal',
        createdAt: j.arrival,
      }));
      const pick = scheduler.pick(candidates, counters, new Map(), now) as Candidate;
      chosen = queued.find((j) => j.id === pick.id) as SimJob;
      charge(counters, chosen.user, chosen.cost);
    }
    queued.splice(queued.indexOf(chosen), 1);
    chosen.start = now;
    chosen.end = now + chosen.serviceMs;
    if (policy === 'fair') {
      // Arrivals during the run are admitted at their submission, the running user active, as JobQueue does;
      // then the run's end settles the floor.
      running = chosen;
      admit(chosen.end);
      running = undefined;
      fair.settle(new Map(queued.map((j) => [j.user, 0])), [chosen.user]);
    }
    // Otherwise jobs arriving while this one ran join before the next pick.
    now = chosen.end;
    done++;
  }
  return jobs;
}

/** Jain's index (Σx)² / (n·Σx²) of the service each user received in windows where they were backlogged throughout. */
function jainWindows(jobs: SimJob[]): number[] {
  const end = Math.max(...jobs.map((j) => j.end as number));
  const users = [...new Set(jobs.map((j) => j.user))];
  const out: number[] = [];
  for (let w0 = 0; w0 + WINDOW_MS <= end; w0 += WINDOW_MS / 4) {
    const w1 = w0 + WINDOW_MS;
    const service: number[] = [];
    for (const user of users) {
      const mine = jobs.filter((j) => j.user === user);
      // Backlogged throughout: every instant of the window lies between some job's arrival and its end.
      const spans = mine.map((j) => [j.arrival, j.end as number] as const).sort((a, b) => a[0] - b[0]);
      let covered = w0;
      for (const [a, b] of spans) if (a <= covered && b > covered) covered = b;
      if (covered < w1) continue;
      service.push(
        mine.reduce(
          (s, j) => s + Math.max(0, Math.min(w1, j.end as number) - Math.max(w0, j.start as number)),
          0,
        ),
      );
    }
    if (service.length < 2) continue;
    const sum = service.reduce((a, b) => a + b, 0);
    const squares = service.reduce((a, b) => a + b * b, 0);
    out.push(squares === 0 ? 1 : (sum * sum) / (service.length * squares));
  }
  return out;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (i - lo);
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const policies: Policy[] = ['fair', 'fair_no_floor', 'fifo'];

/** Each policy over `RUNS` seeds of `make`: Jain's index, the waits of each role in `roles`, the makespan. */
function measure(
  make: (seed: number) => SimJob[],
  roles: readonly SimJob['role'][],
): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  for (const policy of policies) {
    const waits = new Map<SimJob['role'], number[]>(roles.map((role) => [role, []]));
    const jain: number[] = [];
    let makespan = 0;
    for (let run = 0; run < RUNS; run++) {
      const jobs = simulate(make(1000 + run), policy);
      for (const j of jobs) waits.get(j.role)?.push(((j.start as number) - j.arrival) / 1000);
      jain.push(...jainWindows(jobs));
      makespan += Math.max(...jobs.map((j) => j.end as number)) / 1000 / RUNS;
    }
    const summary = (w: number[]) => ({
      p50_s: round(quantile(w, 0.5), 1),
      p95_s: round(quantile(w, 0.95), 1),
      max_s: round(Math.max(...w), 1),
      jobs: w.length,
    });
    results[policy] = {
      jain_backlogged: {
        mean: round(jain.reduce((a, b) => a + b, 0) / jain.length),
        p5: round(quantile(jain, 0.05)),
        windows: jain.length,
      },
      ...Object.fromEntries(roles.map((role) => [`wait_${role}`, summary(waits.get(role) ?? [])])),
      makespan_s: round(makespan, 1),
    };
  }
  return results;
}

const results = measure(workload, ['light', 'medium', 'heavy']);
const comebackResults = measure(comeback, ['regular', 'newcomer']);

const out = {
  benchmark: 'scheduler',
  date: new Date().toISOString(),
  command: `npm run bench -- scheduler --runs ${RUNS} --window-s ${WINDOW_MS / 1000}`,
  workload: {
    runs: RUNS,
    heavy: '30 jobs at t=0, alternating 1024² and 512² text-to-image (64 steps, cfg 4)',
    medium: '16 × 512² text-to-image at t=5 min',
    light:
      '12 users arriving uniformly over 0–18 min, one job each (60% describe, 30% 512², 10% 1024²), 30% add a describe',
    cost_units: Object.fromEntries(Object.entries(COST).map(([k, v]) => [k, Math.round(v)])),
    service_s: Object.fromEntries(
      Object.entries(COST).map(([k, v]) => [k, round((v * MS_PER_UNIT) / 1000, 1)]),
    ),
    service_time: 'estimate × uniform(0.85, 1.15); the scheduler sees only the estimate',
    assumption: '1024² 64-step image = 60 s; admission caps off so the heavy backlog is really queued',
    jain_window_s: WINDOW_MS / 1000,
    jain: 'Jain index of service received in sliding windows (quarter-window step) by users backlogged for the whole window; windows with ≥ 2 such users',
    aging_min: AGING_MS / 60_000,
  },
  results,
  comeback: {
    workload: {
      history:
        '4 regulars, one after another, each 5–24 × 512² alone (the queue empty after each); their jobs are not in the waits',
      session:
        'an hour later: the 4 regulars and 4 newcomers each arrive within one minute with 4–8 × 512² jobs',
    },
    results: comebackResults,
  },
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/scheduler.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ results, comeback: comebackResults }, null, 2)}\n`);
