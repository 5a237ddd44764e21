// The job-status lifecycle soak (issue 13) as a bench: both adapters through the in-repo fakes, a fast engine
// double, a seeded plan of duplicate deliveries, cancels and refused edits; see test/adapters/soak/lifecycle-soak.ts.
//   node --import tsx bench/lifecycle-soak.ts [--jobs 200] [--users 10] [--seed 13]
// Writes bench/results/lifecycle-soak.json (the figures, per seed); the test of the same name asserts them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_SOAK, runSoak } from '../test/adapters/soak/lifecycle-soak.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: String(DEFAULT_SOAK.jobs) },
    users: { type: 'string', default: String(DEFAULT_SOAK.usersPerPlatform) },
    seed: { type: 'string', default: String(DEFAULT_SOAK.seed) },
  },
});
const options = {
  ...DEFAULT_SOAK,
  jobs: Number(values.jobs),
  usersPerPlatform: Number(values.users),
  seed: Number(values.seed),
};
const { figures } = await runSoak(options);
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/lifecycle-soak.json', import.meta.url),
  `${JSON.stringify({ command: `node --import tsx bench/lifecycle-soak.ts --jobs ${options.jobs} --users ${options.usersPerPlatform} --seed ${options.seed}`, options, figures, node: process.version, at: new Date().toISOString() }, null, 2)}\n`,
);
process.exit(figures.lost === 0 && figures.duplicatedJobs === 0 && figures.unhandledRejections === 0 ? 0 : 1);
