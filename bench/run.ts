// `npm run bench [-- <name> [options…]]`: runs bench/<name>.ts with its options, or every benchmark in bench/
// one after another with their defaults. `npm run bench -- --list` names them. Each runs in its own process, so
// one benchmark's memory and JIT state never colour another's timings. Results land in bench/results/*.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();

function run(name: string, args: string[]): number {
  process.stdout.write(`\n== bench/${name}.ts ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${benchDir}${name}.ts`, ...args], {
    stdio: 'inherit',
  });
  return result.status ?? 1;
}

const [first, ...rest] = process.argv.slice(2);
if (first === '--list') {
  process.stdout.write(`${available.join('\n')}\n`);
} else if (first !== undefined) {
  if (!available.includes(first)) {
    process.stderr.write(`No benchmark "${first}". Available: ${available.join(', ') || '(none)'}\n`);
    process.exitCode = 2;
  } else {
    process.exitCode = run(first, rest);
  }
} else {
  const failed = available.filter((name) => run(name, []) !== 0);
  if (failed.length > 0) process.stderr.write(`\nFailed: ${failed.join(', ')}\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}
