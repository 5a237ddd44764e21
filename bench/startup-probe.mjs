// Preloaded (`node --import`) into each command bench/startup.ts runs: on exit, writes the whole process's CPU time
// (every thread, from its first instruction) to the file named by DIMOO_BENCH_CPU_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.DIMOO_BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ user_ms: user / 1000, sys_ms: system / 1000 }));
  });
}
