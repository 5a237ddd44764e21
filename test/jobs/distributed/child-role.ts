// A worker or a front-end in its own process, for the kill -9 and clock tests: `node --import tsx child-role.ts
// worker|frontend <prefix> [msPerStep] [clockSkewMs] [maxBatch] [lockMs] [submitPrompt]`. Prints `ready <id>` once
// connected and `run <prompt>` when its test engine starts a request, so the parent knows whom to kill; a front-end
// given a prompt submits it once connected and prints `submitted <job id>`. A skew sets this process's clock
// (`Date.now`) that many milliseconds off, as a machine whose clock is wrong would be. A worker's max batch is 1
// unless given, and its job lock 2 s (a killed worker's run is retried within seconds).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineRequest, GenerateOptions } from '../../../engine/index.js';
import { FrontQueue } from '../../../src/jobs/distributed/front-queue.js';
import { SharedState } from '../../../src/jobs/distributed/shared-state.js';
import { DistributedWorker } from '../../../src/jobs/distributed/worker.js';
import { JobStore } from '../../../src/jobs/store.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { LIMITS, REDIS_URL } from './redis-harness.js';

const [role, prefix, msPerStep, clockSkewMs, maxBatch, lockMs, submitPrompt] = process.argv.slice(2);
if (!prefix)
  throw new Error(
    'usage: child-role.ts worker|frontend <prefix> [msPerStep] [clockSkewMs] [maxBatch] [lockMs]',
  );
const skew = Number(clockSkewMs ?? 0);
if (skew !== 0) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + skew;
}
const state = new SharedState(REDIS_URL, prefix);

class ReportingEngine extends TimedEngineDouble {
  override async generate(request: EngineRequest, options?: GenerateOptions) {
    if ('prompt' in request) process.stdout.write(`run ${request.prompt}\n`);
    return super.generate(request, options);
  }
}

if (role === 'worker') {
  const worker = new DistributedWorker({
    state,
    url: REDIS_URL,
    engine: new ReportingEngine(Number(msPerStep ?? 300), 4),
    maxBatch: Number(maxBatch ?? 1),
    jobTimeoutMs: 60_000,
    lockMs: Number(lockMs ?? 2000),
  });
  await worker.start();
  process.stdout.write(`ready ${worker.id}\n`);
} else {
  const queue = new FrontQueue({
    state,
    url: REDIS_URL,
    store: new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-fe-child-'))),
    engine: new TimedEngineDouble(),
    limits: LIMITS,
  });
  await queue.connect();
  if (submitPrompt) {
    const result = queue.submit({
      owner: { platform: 'discord', userId: 'child' },
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: submitPrompt, width: 256, height: 256 },
    });
    if (!result.ok) throw new Error(`refused: ${result.refusal.key}`);
    await queue.flush();
    process.stdout.write(`submitted ${result.job.id}\n`);
  }
  process.stdout.write(`ready ${queue.dispatcher.id}\n`);
}
