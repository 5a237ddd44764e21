// An unusable DATA_DIR stops `npm start` with one line naming DATA_DIR, before any model is generated or loaded, and
// so does one that another bot already runs on.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { assertWritableDataDir, DataDirError, dataDirProblem, lockDataDir } from '../src/data-dir.js';

const root = join(import.meta.dirname, '..');

describe('DATA_DIR check', () => {
  it('creates a missing folder and leaves no probe behind', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dimoo-datadir-')), 'data');
    assertWritableDataDir(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('npm start names DATA_DIR in one line and exits 1 when it cannot be written', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    const file = join(parent, 'a-file');
    writeFileSync(file, 'not a folder');
    const dataDir = join(file, 'data');
    expect(() => assertWritableDataDir(dataDir)).toThrow(DataDirError);
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, WEB_PORT: '1' },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    const { code, stdout, stderr } = result as { code?: number; stdout: string; stderr: string };
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^DATA_DIR=.*a-file\/data is not a folder: /);
  });

  it('a full disk is told to make room, not to pick a writable folder', () => {
    expect(dataDirProblem('ENOSPC')).toBe(
      'has no free space: the bot keeps its job database and files there. Free some space on its disk, or point DATA_DIR at a folder on a disk with room.',
    );
    expect(dataDirProblem('EDQUOT')).toMatch(/^has no free space: .* Free some space/);
    expect(dataDirProblem('EACCES')).toMatch(/^is not writable: .* Point DATA_DIR at a writable folder\.$/);
  });
});

/** npm start on `dataDir`, to its end: exit code and output. */
async function npmStart(dataDir: string): Promise<{ code?: number; stdout: string; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, WEB_PORT: '1' },
    // A start that is not refused would run until killed.
    timeout: 20_000,
    killSignal: 'SIGKILL',
  }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  return result as { code?: number; stdout: string; stderr: string };
}

const holders: ChildProcess[] = [];
afterEach(async () => {
  for (const child of holders.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child.stdout?.destroy();
  }
});

/** Another process holding `dataDir` as a running bot does, until it is killed. */
async function holder(dataDir: string): Promise<ChildProcess> {
  const script = `import { lockDataDir } from ${JSON.stringify(join(root, 'src/data-dir.ts'))};
lockDataDir(process.argv[1]);
process.stdout.write('held\\n');
setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dataDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  holders.push(child);
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('held\n');
  return child;
}

describe('one bot per DATA_DIR', () => {
  it('a second npm start on it is refused in one line, before any model, while the first runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    await holder(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirError);
    const { code, stdout, stderr } = await npmStart(dataDir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `DATA_DIR=${dataDir} is in use by another dimoo-bot (it holds ${join(dataDir, 'bot.lock')}): two bots on one DATA_DIR would run the same jobs twice. Stop the other one, or give this one a DATA_DIR of its own.`,
    );
    // Refused before the bundled model is generated or the job database opened.
    expect(readdirSync(dataDir)).toEqual(['bot.lock']);
  }, 30_000);

  it('is free again once the holder ends, however it ended (nothing stale to clean up)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    const first = await holder(dataDir);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const lock = lockDataDir(dataDir);
    // Held within this process too: a second holder here is refused as well.
    expect(() => lockDataDir(dataDir)).toThrow(/is in use by another dimoo-bot/);
    lock.release();
    lockDataDir(dataDir).release();
    expect(readdirSync(dataDir)).toEqual(['bot.lock']);
  }, 30_000);
});
