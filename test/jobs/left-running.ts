// A DATA_DIR as a process killed mid-run leaves it, for the tests of a start that has to recover those jobs: each
// row says `running` (as the test's changes set it), with jobs still queued behind them where asked.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobQueue } from '../../src/jobs/queue.js';
import { JobStore } from '../../src/jobs/store.js';
import type { Job, Owner } from '../../src/jobs/types.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { queueLimits } from './queue-limits.js';

export const owner = (id: string): Owner => ({ platform: 'web', userId: id });
export const input = (who: string, prompt: string) => ({
  owner: owner(who),
  scope: 'playground' as const,
  kind: 'imagine' as const,
  request: { task: 'text_to_image' as const, prompt, width: 64, height: 64 },
});

/** `name` names the folder (dimoo-<name>-…); `rows` are left running, `queued` wait behind them. */
export function leftRunning(
  name: string,
  rows: Record<string, Partial<Job>>,
  queued: string[] = [],
): { dir: string; ids: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), `dimoo-${name}-`));
  const store = new JobStore(dir);
  const before = new JobQueue({ store, engine: new TimedEngineDouble(), limits: queueLimits() });
  const ids: Record<string, string> = {};
  for (const [who, changes] of Object.entries(rows)) {
    const submitted = before.submit(input(who, `${who}'s fox`));
    if (!submitted.ok) throw new Error(`refused: ${submitted.refusal.key}`);
    ids[who] = submitted.job.id;
    store.update({ ...submitted.job, status: 'running', attempts: 1, startedAt: 1, ...changes });
  }
  for (const who of queued) {
    const submitted = before.submit(input(who, `${who}'s cat`));
    if (!submitted.ok) throw new Error(`refused: ${submitted.refusal.key}`);
    ids[who] = submitted.job.id;
  }
  store.close();
  return { dir, ids };
}
