// An unusable DATA_DIR stops `npm start` with one line naming DATA_DIR, before any model is generated or loaded, and
// so does one that another bot already runs on.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertWritableDataDir, DataDirError, dataDirError, lockDataDir } from '../src/data-dir.js';
import { runToEnd, START_COMMAND } from './npm-start.js';

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
    const { code, stdout, stderr } = await npmStart(dataDir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `dimoo-bot could not start: DATA_DIR=${dataDir}: ${file} is not a folder: the bot keeps its job database and files there. Point DATA_DIR at a writable folder.`,
    );
  });

  it('npm start refuses a damaged job database in one line before it makes or loads a model', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(join(dataDir, 'jobs.sqlite'), garbage);
    const { code, stdout, stderr } = await npmStart(dataDir);
    expect(code).toBe(1);
    expect(stdout).not.toMatch(/engine loaded|checkpoint/);
    expect(stderr).toMatch(
      /^dimoo-bot could not start: DATA_DIR=.*jobs\.sqlite is damaged \(file is not a database\)[^\n]*\n$/,
    );
    // No bundled checkpoint was generated (seconds here, minutes for the real model's load), the file untouched.
    expect(readdirSync(dataDir).sort()).toEqual(['bot.lock', 'jobs.sqlite']);
    expect(readFileSync(join(dataDir, 'jobs.sqlite')).equals(garbage)).toBe(true);
  });

  it('npm start names a job database or jobs folder that links to nothing, before it makes or loads a model', async () => {
    for (const name of ['jobs.sqlite', 'jobs']) {
      const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
      const gone = join(tmpdir(), `dimoo-unmounted-${basename(dataDir)}`, name);
      symlinkSync(gone, join(dataDir, name));
      expect(() => assertWritableDataDir(dataDir)).toThrow(DataDirError);
      const { code, stdout, stderr } = await npmStart(dataDir);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `dimoo-bot could not start: DATA_DIR=${dataDir}: ${join(dataDir, name)} is a link to ${gone}, which does not exist: the bot keeps its job database and files there. Mount or restore what it points to, or remove the link.\n`,
      );
    }
  }, 60_000);

  it('names DATA_DIR, or a folder above it, that links to nothing as such, not as "not a folder"', () => {
    const parent = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    const gone = join(tmpdir(), `dimoo-unmounted-${basename(parent)}`);
    const link = join(parent, 'data');
    symlinkSync(gone, link);
    const lines = [link, join(link, 'deeper')].map((dataDir) => {
      try {
        assertWritableDataDir(dataDir);
        return 'no refusal';
      } catch (error) {
        return error instanceof DataDirError ? error.message : String(error);
      }
    });
    const rest = `is a link to ${gone}, which does not exist: the bot keeps its job database and files there. Mount or restore what it points to, or remove the link.`;
    expect(lines).toEqual([`DATA_DIR=${link} ${rest}`, `DATA_DIR=${join(link, 'deeper')}: ${link} ${rest}`]);
  });

  it('says "takes no new folders" only for mkdir refused in a folder that is there, not for a folder removed', () => {
    // DATA_DIR made, then removed before the probe is written into it (another process, an unmounted volume).
    const dataDir = join(mkdtempSync(join(tmpdir(), 'dimoo-datadir-')), 'data');
    mkdirSync(dataDir);
    rmdirSync(dataDir);
    let removed: unknown;
    try {
      writeFileSync(join(dataDir, 'probe'), 'ok');
    } catch (error) {
      removed = error;
    }
    expect((removed as { code?: unknown }).code).toBe('ENOENT');
    expect(dataDirError(dataDir, removed).message).toBe(
      `DATA_DIR=${dataDir} cannot be written (ENOENT): the bot keeps its job database and files there. Point DATA_DIR at a writable folder.`,
    );
  });

  it('says why a write failed in plain words, and what to do about that cause', () => {
    // A path is named as it is only when it exists (else by its nearest folder that does).
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    mkdirSync(join(dir, 'jobs'));
    const line = (code: string, path?: string) =>
      dataDirError(dir, Object.assign(new Error(code), { code }), path && join(dir, path)).message;
    expect(line('EROFS')).toBe(
      `DATA_DIR=${dir} is on a read-only disk (EROFS): the bot keeps its job database and files there. Mount it read-write, or point DATA_DIR at a folder on a writable disk.`,
    );
    const uid = process.getuid?.();
    const who = uid === undefined ? 'this user' : `uid ${uid}`;
    expect(line('EACCES', 'jobs')).toBe(
      `DATA_DIR=${dir}: ${join(dir, 'jobs')} is not writable by ${who}: permission denied (EACCES): the bot keeps its job database and files there. Let ${who} write there (chown or chmod), or point DATA_DIR at a folder it may write.`,
    );
    expect(line('EPERM')).toMatch(/ is not writable by .*: permission denied \(EPERM\): /);
    // A full disk is told to make room, not to pick a writable folder on it.
    expect(line('ENOSPC')).toBe(
      `DATA_DIR=${dir} has no free space (ENOSPC): the bot keeps its job database and files there. Free some space on its disk, or point DATA_DIR at a folder on a disk with room.`,
    );
    expect(line('SQLITE_FULL')).toMatch(
      /^DATA_DIR=\S+ has no free space \(SQLITE_FULL\): .* Free some space/,
    );
    expect(line('EDQUOT')).toMatch(/^DATA_DIR=\S+ has no free space \(EDQUOT\): .* Free some space/);
    expect(line('EIO')).toMatch(/^DATA_DIR=\S+ cannot be written \(EIO\): .* Point DATA_DIR at a writable/);
  });
});

/** `sh -c script` in a user and mount namespace of its own, where it may mount a read-only disk; or false. */
const canMountReadOnly = (() => {
  try {
    execFileSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o ro tmpfs "$(mktemp -d)"'], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
})();

/** npm start in a namespace where `readOnly` is an empty read-only disk. */
function npmStartOnReadOnly(dataDir: string, readOnly: string) {
  const script = `mount -t tmpfs -o ro tmpfs "$0" && exec "${process.execPath}" --import tsx src/main.ts`;
  return npmStart(dataDir, ['unshare', '-rm', 'sh', '-c', script, readOnly]);
}

describe.skipIf(!canMountReadOnly)('DATA_DIR on a read-only disk', () => {
  it('one still to be made says read-only, naming the disk, not ENOENT', async () => {
    const readOnly = mkdtempSync(join(tmpdir(), 'dimoo-ro-'));
    const dataDir = join(readOnly, 'data');
    const { code, stdout, stderr } = await npmStartOnReadOnly(dataDir, readOnly);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `dimoo-bot could not start: DATA_DIR=${dataDir}: ${readOnly} is on a read-only disk (EROFS): the bot keeps its job database and files there. Mount it read-write, or point DATA_DIR at a folder on a writable disk.\n`,
    );
  }, 30_000);

  it('its jobs folder read-only is found at start, before the model', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-ro-'));
    const jobs = join(dataDir, 'jobs');
    mkdirSync(jobs);
    const { code, stderr } = await npmStartOnReadOnly(dataDir, jobs);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^dimoo-bot could not start: DATA_DIR=${dataDir}: ${jobs} is on a read-only disk \\(EROFS\\): [^\\n]*\\n$`,
      ),
    );
    expect(readdirSync(dataDir)).toEqual(['jobs']);
  }, 30_000);
});

/**
 * A user without root's way past permissions: this one, or nobody when this one is root (and setpriv can, and nobody
 * may read this checkout: a clone inside a 0700 folder, as `mktemp -d` makes, is closed to it).
 */
const unprivileged = (() => {
  if (process.getuid?.() !== 0) return [];
  try {
    const tsx = join(root, 'node_modules', 'tsx', 'package.json');
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', tsx], {
      stdio: 'ignore',
    });
    return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  } catch {
    return undefined;
  }
})();

describe.skipIf(unprivileged === undefined || process.platform === 'win32')(
  'DATA_DIR this user may not write',
  () => {
    it('says permission denied for this user, naming the folder that refused', async () => {
      // The run's own temporary folder (test/temp-root.ts, 0700) must let that user through to the one that refuses.
      if (basename(tmpdir()).startsWith('dimoo-tests-')) chmodSync(tmpdir(), 0o711);
      const parent = mkdtempSync(join(tmpdir(), 'dimoo-perm-'));
      const locked = join(parent, 'locked');
      mkdirSync(locked);
      chmodSync(parent, 0o755);
      chmodSync(locked, 0o555);
      const dataDir = join(locked, 'data');
      const [command = process.execPath, ...args] = [...(unprivileged ?? []), ...START_COMMAND];
      const { code, stderr } = await runToEnd({ HOME: tmpdir(), DATA_DIR: dataDir, WEB_PORT: '1' }, [
        command,
        ...args,
      ]);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        new RegExp(
          `^dimoo-bot could not start: DATA_DIR=${dataDir}: ${locked} is not writable by uid \\d+: permission denied \\(EACCES\\): .* Let uid \\d+ write there \\(chown or chmod\\), or point DATA_DIR at a folder it may write\\.\\n$`,
        ),
      );
    }, 30_000);
  },
);

/** npm start on `dataDir`, to its end: exit code and output. `command` runs it (in a namespace of its own, say). */
const npmStart = (dataDir: string, command?: [string, ...string[]]) =>
  runToEnd({ DATA_DIR: dataDir, WEB_PORT: '1' }, command);

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
      `dimoo-bot could not start: DATA_DIR=${dataDir} is in use by another dimoo-bot (it holds ${join(dataDir, 'bot.lock')}): two bots on one DATA_DIR would run the same jobs twice. Stop the other one, or give this one a DATA_DIR of its own.`,
    );
    // Refused before the bundled model is generated or the job database opened.
    expect(readdirSync(dataDir)).toEqual(['bot.lock']);
  }, 30_000);

  it('a bot.lock something else wrote into is named as such, not as a folder that cannot be written', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-datadir-'));
    const file = join(dataDir, 'bot.lock');
    writeFileSync(file, `${process.pid}\n`.repeat(200));
    expect(() => lockDataDir(dataDir)).toThrow(
      `DATA_DIR=${dataDir}: ${file} is not the lock file a dimoo-bot makes (something else wrote into it). It holds nothing: remove it, then start again.`,
    );
  });

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
