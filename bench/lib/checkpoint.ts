// The generated checkpoint a benchmark runs on: one folder per preset under the system's temporary folder, made
// on first use and kept for the next run (a small checkpoint takes a while to write).
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCheckpoint, type Preset } from '../../engine/index.js';

/** The folder of a generated `preset` checkpoint (bf16, the published dtype), made when missing. */
export function benchCheckpoint(preset: Preset): string {
  const dir = join(tmpdir(), `dimoo-bench-${preset}`);
  if (!existsSync(join(dir, 'config.json'))) makeTestCheckpoint({ out: dir, preset, dtype: 'bf16' });
  return dir;
}
