// Workers and front-ends in processes of their own (child-role.ts), for the tests that kill one with SIGKILL or run
// one on a clock of its own. Each is remembered until `killChildren` (a test's afterEach).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { type Cluster, startCluster } from './redis-harness.js';

const CHILD = fileURLToPath(new URL('./child-role.ts', import.meta.url));

export interface Child {
  process: ChildProcess;
  id: string;
  runs: string[];
  /** The ids of the jobs a front-end submitted (`submitPrompt`). */
  submitted: string[];
}

const children: Child[] = [];

/**
 * Starts a role and resolves once it is connected; `clockSkewMs` sets its clock that far off the real one,
 * `maxBatch` a worker's max batch and `lockMs` its job lock; a front-end submits `submitPrompt` first.
 */
export async function spawnRole(
  role: 'worker' | 'frontend',
  prefix: string,
  msPerStep = 300,
  clockSkewMs = 0,
  maxBatch = 1,
  lockMs = 2000,
  submitPrompt = '',
): Promise<Child> {
  const args = [
    '--import',
    'tsx',
    CHILD,
    role,
    prefix,
    String(msPerStep),
    String(clockSkewMs),
    String(maxBatch),
    String(lockMs),
    submitPrompt,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const entry: Child = { process: child, id: '', runs: [], submitted: [] };
  children.push(entry);
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('ready ')) {
          entry.id = line.slice(6);
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('run ')) entry.runs.push(line.slice(4));
        else if (line.startsWith('submitted ')) entry.submitted.push(line.slice(10));
        nl = buffer.indexOf('\n');
      }
    });
    child.on('exit', () => reject(new Error(`${role} exited`)));
  });
  return entry;
}

export function killHard(child: Child): void {
  child.process.kill('SIGKILL');
}

/** Kills every child still running (afterEach). */
export function killChildren(): void {
  for (const child of children.splice(0)) if (child.process.exitCode === null) killHard(child);
}

/**
 * `startCluster` for the tests of a file that spawn roles: after each test its children are killed first (a child
 * left running would go on writing under the prefix), then the cluster it started is closed.
 */
export function clustersWithChildrenClosedAfterEach(): typeof startCluster {
  let started: Cluster | undefined;
  afterEach(async () => {
    killChildren();
    await started?.close();
    started = undefined;
  });
  return async (options) => {
    started = await startCluster(options);
    return started;
  };
}
