// Environment variables that look like the bot's but that nothing reads. The schema drops unknown keys, so a typo
// (`TELEGRAM_TOKE=…`) would start the bot without that setting and without a word: each such name is reported,
// with the closest name the bot does read. Only names are ever reported, never a value (it may be a token).
import { envSchema } from './schema.js';

/** Prefixes of the bot's own variables: a name with one of them that nothing reads is a mistake. */
export const BOT_PREFIXES = [
  'DISCORD_',
  'TELEGRAM_',
  'QUEUE_',
  'METRICS_',
  'WEB_',
  'MODEL_',
  'DIMOO_',
] as const;

/**
 * Names with those prefixes that something besides the configuration reads: the CLI, the tests, the bench and GPU
 * scripts, and docker-compose.yml (compose reads the same `.env`). `test/config.test.ts` checks this list against
 * the repository's own reads of the environment.
 */
export const READ_ELSEWHERE = [
  // The CLI's stack traces of internal errors (src/cli/main.ts).
  'DIMOO_DEBUG',
  'DIMOO_TEST_DEVICE',
  'DIMOO_BENCH_CPU_FILE',
  'DIMOO_GPU_CHECK_ARGS',
  'DIMOO_GPU_CHECK_BUDGET_S',
  'DIMOO_GPU_CHECK_CONFIGS',
  'DIMOO_GPU_CHECK_DIR',
  'DIMOO_GPU_CHECK_GUARD',
  'DIMOO_GPU_CHECK_PRESET',
  'DIMOO_PACK_CACHE',
  'DIMOO_PACK_DIR',
  'DIMOO_PACK_NODE_VERSION',
  'DIMOO_PACK_OUT',
  'DIMOO_PACK_PART_MIB',
  'DIMOO_PACK_PROVIDER',
  'DIMOO_RUN_DIR',
  // bench/gpu-check.sh's torch record and the test that judges it (test/engine/sampling).
  'DIMOO_TORCH_CHECK',
  'DIMOO_TORCH_CHECK_TIMEOUT_S',
  'DIMOO_TORCH_SAMPLING_RECORD',
  'MODEL_DIR_HOST',
  // docker-compose.yml's worker image build (README): no bot prefix, but two letters from WORKER_NAME, so without
  // this an operator's `.env` line would be reported as a typo of it.
  'WORKER_BASE',
] as const;

/**
 * Names other bots and guides use for what the bot calls otherwise, too far from ours in spelling to be caught as a
 * near miss (`LOCALE=pt-BR` would leave the replies in English without a word). None is a usual host variable.
 */
const OTHER_NAMES: Readonly<Record<string, string>> = {
  LOCALE: 'DEFAULT_LOCALE',
  DEFAULT_LANGUAGE: 'DEFAULT_LOCALE',
  GUILD_IDS: 'DISCORD_GUILD_IDS',
  GUILD_ID: 'DISCORD_GUILD_IDS',
  ADMINS: 'ADMIN_IDS',
  DATA_DIRECTORY: 'DATA_DIR',
  CHAT_IDS: 'TELEGRAM_CHAT_IDS',
};

export interface UnknownVariable {
  variable: string;
  /** The known name nearest to it (edit distance, ignoring case). */
  closest: string;
}

const CONFIG_NAMES: readonly string[] = Object.keys(envSchema.shape);
const KNOWN = new Set<string>([...CONFIG_NAMES, ...READ_ELSEWHERE]);

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known name nearest to `upper`, and the smallest edit distance to any. Ranked by distance, except that a name the
 * variable is cut short of (DIMOO_ML_CACHE for DIMOO_ML_CACHE_PATH) counts as one slip, and one with another first
 * word (QUEUE_ vs WEB_) one more: what was meant usually keeps its prefix.
 */
function closestTo(upper: string): { name: string; distance: number } {
  const firstWord = (name: string) => name.split('_')[0];
  let best = { name: CONFIG_NAMES[0] ?? '', rank: Number.POSITIVE_INFINITY };
  let nearest = Number.POSITIVE_INFINITY;
  for (const name of KNOWN) {
    const d = distance(upper, name);
    nearest = Math.min(nearest, d);
    const rank =
      (name.startsWith(upper) ? Math.min(d, 1) : d) + (firstWord(name) === firstWord(upper) ? 0 : 1);
    if (rank < best.rank) best = { name, rank };
  }
  return { name: best.name, distance: nearest };
}

/**
 * Names in `env` the bot does not read but that look meant for it: one of its prefixes (in any case), or a near
 * miss of one of its names (`DEVCE`, `SHUTDOWN_GRACE`, `log_level`). Sorted by name.
 */
export function unknownVariables(env: NodeJS.ProcessEnv): UnknownVariable[] {
  const found: UnknownVariable[] = [];
  for (const variable of Object.keys(env).sort()) {
    if (KNOWN.has(variable)) continue;
    const upper = variable.toUpperCase();
    const otherName = OTHER_NAMES[upper];
    if (otherName !== undefined) {
      found.push({ variable, closest: otherName });
      continue;
    }
    const closest = closestTo(upper);
    // Short names tolerate one slip, longer ones two: wider would catch the host's own variables.
    const nearMiss = closest.distance <= (upper.length >= 8 ? 2 : 1);
    if (nearMiss || BOT_PREFIXES.some((prefix) => upper.startsWith(prefix)))
      found.push({ variable, closest: closest.name });
  }
  return found;
}

/** One line per unknown variable, for `dimoo config` and the start-up log. */
export function describeUnknown(unknown: readonly UnknownVariable[]): string[] {
  return unknown.map(
    ({ variable, closest }) =>
      `${variable} is not a dimoo-bot variable and is ignored (did you mean ${closest}?)`,
  );
}
