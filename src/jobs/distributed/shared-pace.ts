// The workers' measured pace, milliseconds per cost unit, shared by every machine in one Redis hash: for ETAs and
// for refusing a job that would outrun the job timeout. As in one process (eta-calibration.ts), one figure over
// every job type and one per type (`paceType`), since the cost model gets the shape right within a type but not the
// ratios between types; a type not measured yet borrows the overall figure. Fields: `msPerUnit` and `samples`
// (overall), `msPerUnit:<type>` and `samples:<type>`.
import { DEFAULT_MS_PER_UNIT, paceType } from '../eta-calibration.js';
import type { Job } from '../types.js';
import type { SharedState } from './shared-state.js';

type PaceState = Pick<SharedState, 'redis' | 'key'>;

/** An average over at most this many runs: a machine whose load changes is followed within a few dozen jobs. */
const WINDOW = 20;

export interface Pace {
  msPerUnit: number;
  /** 0 for a provisional pace: a type's first run on a worker, which also warmed it up (see `calibrate`). */
  samples: number;
}

export interface SharedPace {
  /** Over every job type; undefined until a worker has run a job. */
  overall: number | undefined;
  /**
   * Over warm runs only (no worker's first run of a type): what judges a type not measured yet. Undefined until a
   * warm run, and in a hash written before it was kept.
   */
  overallWarm?: number | undefined;
  byType: Map<string, Pace>;
}

export function emptyPace(): SharedPace {
  return { overall: undefined, byType: new Map() };
}

/** The pace as the hash holds it. */
export function paceFrom(hash: Record<string, string>): SharedPace {
  const byType = new Map<string, Pace>();
  for (const [field, value] of Object.entries(hash)) {
    if (!field.startsWith('msPerUnit:')) continue;
    const type = field.slice('msPerUnit:'.length);
    byType.set(type, { msPerUnit: Number(value), samples: Number(hash[`samples:${type}`] ?? 0) });
  }
  const number = (field: string) => (hash[field] === undefined ? undefined : Number(hash[field]));
  return { overall: number('msPerUnit'), overallWarm: number('msPerUnit@warm'), byType };
}

export async function readPace(state: PaceState): Promise<SharedPace> {
  return paceFrom(await state.redis.hgetall(state.key('calibration')));
}

/** How long the job should run: its cost at its type's pace, else the overall one. */
export function expectedMs(pace: SharedPace, job: Pick<Job, 'request' | 'estimatedCost'>): number {
  const own = pace.byType.get(paceType(job))?.msPerUnit;
  return job.estimatedCost * (own ?? pace.overall ?? DEFAULT_MS_PER_UNIT);
}

/**
 * As `expectedMs`, from measured paces only (not a provisional one, nor the placeholder): what admission may refuse
 * a job on, and what a run's budget judges (`runBudget`). A type not measured yet is judged by the overall pace of warm
 * runs, as every type was before they were apart: a fresh cluster's first, cold run would otherwise refuse other
 * types on a pace several times too slow.
 */
export function measuredMs(
  pace: SharedPace,
  job: Pick<Job, 'request' | 'estimatedCost'>,
): number | undefined {
  const own = pace.byType.get(paceType(job));
  const msPerUnit = own && own.samples > 0 ? own.msPerUnit : pace.overallWarm;
  return msPerUnit === undefined ? undefined : job.estimatedCost * msPerUnit;
}

/**
 * KEYS: the calibration hash. ARGV: the run's ms per unit, then (optional) its job type and '1' when cold. One script,
 * so two workers finishing at once both count: read-then-write from each would let one overwrite the other's sample.
 * Each running average takes one more sample; a provisional pace (0 samples) is replaced outright. Averages are
 * written with 17 significant digits, which read back as the very double JavaScript would have computed.
 */
const CALIBRATE = `
local window = ${WINDOW}
local observed = tonumber(ARGV[1])
local function averaged(suffix)
  local current = redis.call('HGET', KEYS[1], 'msPerUnit' .. suffix)
  local n = (tonumber(redis.call('HGET', KEYS[1], 'samples' .. suffix)) or 0) + 1
  local nextPace = ARGV[1]
  if current and n > 1 then
    local c = tonumber(current)
    nextPace = string.format('%.17g', c + (observed - c) / math.min(n, window))
  end
  redis.call('HSET', KEYS[1], 'msPerUnit' .. suffix, nextPace, 'samples' .. suffix, tostring(n))
end
averaged('')
if ARGV[2] then
  local suffix = ':' .. ARGV[2]
  if ARGV[3] ~= '1' then
    averaged(suffix)
    averaged('@warm')
  elseif redis.call('HEXISTS', KEYS[1], 'msPerUnit' .. suffix) == 0 then
    redis.call('HSET', KEYS[1], 'msPerUnit' .. suffix, ARGV[1], 'samples' .. suffix, '0')
  end
end
return 1`;

/**
 * Feeds one run's measured ms per unit into the overall pace and, given the run's job type, that type's. `cold`: the
 * worker's first run of that type, which also warmed its allocations for new shapes (several times a warm run), so
 * it only stands in as a provisional pace while the type has none, and the type's next run replaces it outright.
 */
export async function calibrate(
  state: PaceState,
  observedMsPerUnit: number,
  run?: { type: string; cold: boolean },
): Promise<void> {
  const args = [String(observedMsPerUnit)];
  if (run) args.push(run.type, run.cold ? '1' : '0');
  await state.redis.eval(CALIBRATE, 1, state.key('calibration'), ...args);
}
