// The hidden `.NAME.PID-SPACE.tmp` files that writeOutputFiles writes before renaming them over their names: a
// second Ctrl-C during the write cannot leave one (the write runs without a break, the signal's handler after it),
// and one left by a run killed outright (SIGKILL, SIGHUP) goes when the same name is next written, once it is minutes
// old and its process gone (or a day old whatever its PID); one that cannot be removed stays, and the write goes on.
// Two runs of one PID in two containers on a shared folder write two temporary files: their PID spaces differ.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOutputFiles } from '../src/cli/files.js';
import { PID_SPACE, processTag } from '../src/process-tag.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-output-temps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The PID of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(String(child.stdout));
}

/** Sets a file's (or folder's) modification time `minutes` ago. */
function age(path: string, minutes: number): void {
  const then = new Date(Date.now() - minutes * 60_000);
  utimesSync(path, then, then);
}

/** setpriv's arguments to run as nobody, when this is root and setpriv can (see test/data-dir.test.ts). */
const asNobody = (() => {
  if (process.getuid?.() !== 0 || process.platform === 'win32') return undefined;
  const args = ['--reuid=65534', '--regid=65534', '--clear-groups'];
  try {
    const tsx = join(root, 'node_modules', 'tsx', 'package.json');
    const probe = spawnSync('setpriv', [...args, 'test', '-r', tsx]);
    return probe.status === 0 ? args : undefined;
  } catch {
    return undefined;
  }
})();

/** The temporary file's name a run of `pid` here gives `name`. */
const tempOf = (name: string, pid: number) => `.${name}.${processTag(pid)}.tmp`;

/** A PID space that is not this one: another container's or host's. */
const OTHER_SPACE = PID_SPACE === '0123456789ab' ? 'ba9876543210' : '0123456789ab';

/** unshare's arguments for a new PID namespace (as root, or as a user mapped to root in one of its own). */
const PID_NAMESPACE = ['--pid', '--fork', '--map-root-user'];
const nodeArgs = (script: string) => [
  process.execPath,
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  script,
];

/** Whether this machine lets a test make PID namespaces (a container may not). */
const inOwnPidSpace = (() => {
  if (process.platform !== 'linux') return false;
  try {
    const probe = spawnSync('unshare', [...PID_NAMESPACE, process.execPath, '-p', 'process.pid'], {
      encoding: 'utf8',
    });
    return probe.status === 0 && probe.stdout.trim() === '1';
  } catch {
    return false;
  }
})();

describe('temporary output files', () => {
  it('one of a dead run for the same name is removed by the next write; a living one and other names stay', () => {
    const folder = mkdtempSync(join(dir, 'stale-'));
    const dead = deadPid();
    const stale = tempOf('fox.png', dead);
    // process.ppid: the test runner, alive while this runs (another run writing the same name).
    const living = tempOf('fox.png', process.ppid);
    const other = tempOf('cat.png', dead);
    for (const name of [stale, living, other]) {
      writeFileSync(join(folder, name), 'half a PNG');
      age(join(folder, name), 11);
    }
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([other, living, 'fox.png'].sort());
    expect(readFileSync(join(folder, 'fox.png'), 'utf8')).toBe('whole');
  });

  it('one of a dead PID written in the last minutes stays (it may still be written); any a day old goes', () => {
    const folder = mkdtempSync(join(dir, 'age-'));
    const dead = deadPid();
    const recent = tempOf('fox.png', dead);
    // A living PID's day-old temp: the PID was reused, the writer long gone.
    const abandoned = tempOf('fox.png', process.ppid);
    writeFileSync(join(folder, recent), 'half a PNG');
    age(join(folder, recent), 2);
    writeFileSync(join(folder, abandoned), 'half a PNG');
    age(join(folder, abandoned), 25 * 60);
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([recent, 'fox.png'].sort());
  });

  it("another host's or container's temp goes by its age alone, whatever its PID says here", () => {
    const folder = mkdtempSync(join(dir, 'space-'));
    // process.ppid lives here; there it is another process, which a write would keep touching.
    const abandoned = `.fox.png.${process.ppid}-${OTHER_SPACE}.tmp`;
    const writing = `.fox.png.${deadPid()}-${OTHER_SPACE}.tmp`;
    // An earlier version's name, which says nothing of its writer's host or container.
    const older = `.fox.png.${process.ppid}.tmp`;
    const living = tempOf('fox.png', process.ppid);
    for (const [name, minutes] of [
      [abandoned, 11],
      [writing, 2],
      [older, 11],
      [living, 11],
    ] as const) {
      writeFileSync(join(folder, name), 'half a PNG');
      age(join(folder, name), minutes);
    }
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([writing, living, 'fox.png'].sort());
  });

  it.skipIf(!inOwnPidSpace)(
    'two runs of one PID in two containers writing one name on a shared folder each write their own file',
    async () => {
      const folder = mkdtempSync(join(dir, 'containers-'));
      const out = join(folder, 'fox.png');
      const ready = join(folder, 'first-wrote');
      const go = join(folder, 'first-may-rename');
      // Each run is PID 1 of a PID namespace of its own, as a container's first process is. The first one stops
      // between writing its temporary file and renaming it, while the second writes the same name whole.
      const run = (data: string, pause: boolean) => `
        import fs from 'node:fs';
        import { syncBuiltinESMExports } from 'node:module';
        if (process.pid !== 1) throw new Error('not PID 1: ' + process.pid);
        if (${pause}) {
          const rename = fs.renameSync;
          fs.renameSync = (from, to) => {
            fs.writeFileSync(${JSON.stringify(ready)}, '');
            const nap = new Int32Array(new SharedArrayBuffer(4));
            for (let i = 0; i < 1000 && !fs.existsSync(${JSON.stringify(go)}); i++) Atomics.wait(nap, 0, 0, 20);
            return rename(from, to);
          };
          syncBuiltinESMExports();
        }
        const { writeOutputFiles } = await import(${JSON.stringify(join(root, 'src/cli/files.ts'))});
        writeOutputFiles([{ flag: 'out', path: ${JSON.stringify(out)}, data: ${JSON.stringify(data)} }]);
      `;
      const first = spawn('unshare', [...PID_NAMESPACE, ...nodeArgs(run('first', true))], { cwd: root });
      let firstErr = '';
      first.stderr.on('data', (chunk) => {
        firstErr += String(chunk);
      });
      const firstEnd = new Promise<number | null>((done) => first.on('close', (c) => done(c)));
      for (let i = 0; i < 1000 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 20));
      expect(existsSync(ready)).toBe(true);
      const second = spawnSync('unshare', [...PID_NAMESPACE, ...nodeArgs(run('second', false))], {
        cwd: root,
        encoding: 'utf8',
      });
      expect([second.status, second.stderr]).toEqual([0, '']);
      writeFileSync(go, '');
      expect([await firstEnd, firstErr]).toEqual([0, '']);
      // The first rename came last, with its own bytes; neither run's temporary file is left.
      expect(readFileSync(out, 'utf8')).toBe('first');
      expect(readdirSync(folder).sort()).toEqual(['first-may-rename', 'first-wrote', 'fox.png']);
    },
    60_000,
  );

  it('a stale name that cannot be removed (a folder) stays, and the write goes on', () => {
    const folder = mkdtempSync(join(dir, 'unremovable-'));
    const stale = join(folder, tempOf('fox.png', deadPid()));
    mkdirSync(stale);
    writeFileSync(join(stale, 'inside'), 'x');
    age(stale, 25 * 60);
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([basename(stale), 'fox.png'].sort());
    expect(readFileSync(join(folder, 'fox.png'), 'utf8')).toBe('whole');
  });

  it.skipIf(asNobody === undefined)(
    "another user's stale temp in a sticky folder stays, and the write goes on",
    () => {
      // The run's own temporary folder (test/temp-root.ts, 0700) must let nobody through to the sticky one.
      if (basename(tmpdir()).startsWith('dimoo-tests-')) chmodSync(tmpdir(), 0o711);
      chmodSync(dir, 0o711);
      const folder = mkdtempSync(join(dir, 'sticky-'));
      chmodSync(folder, 0o1777);
      const stale = join(folder, tempOf('fox.png', deadPid()));
      writeFileSync(stale, 'half a PNG');
      chownSync(stale, 0, 0);
      age(stale, 25 * 60);
      const out = join(folder, 'fox.png');
      // tsx keeps its cache in the temporary folder, which nobody may not write.
      const nobodyTemp = mkdtempSync(join(dir, 'nobody-tmp-'));
      chmodSync(nobodyTemp, 0o1777);
      const script = `
        const { writeOutputFiles } = await import(${JSON.stringify(join(root, 'src/cli/files.ts'))});
        writeOutputFiles([{ flag: 'out', path: ${JSON.stringify(out)}, data: 'whole' }]);
      `;
      const child = spawnSync(
        'setpriv',
        [...(asNobody ?? []), process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH, TMPDIR: nobodyTemp } },
      );
      expect([child.status, child.stderr]).toEqual([0, '']);
      expect(readdirSync(folder).sort()).toEqual([basename(stale), 'fox.png'].sort());
      expect(readFileSync(out, 'utf8')).toBe('whole');
    },
    30_000,
  );

  it('a second SIGINT during the write ends the process after it: the file whole, no temporary file', async () => {
    const folder = mkdtempSync(join(dir, 'signal-'));
    const out = join(folder, 'big.bin');
    // The first signal as the generation's Ctrl-C; the second sent just before a write of 64 MiB, which it cannot
    // interrupt: the handler's exit (130) runs once the write has renamed its file.
    const script = `
      const { watchInterrupts } = await import(${JSON.stringify(join(root, 'src/cli/interrupt.ts'))});
      const { writeOutputFiles } = await import(${JSON.stringify(join(root, 'src/cli/files.ts'))});
      const interrupt = watchInterrupts();
      // A signal's listener does not keep the process alive; the generation would.
      const alive = setTimeout(() => {}, 10000);
      process.kill(process.pid, 'SIGINT');
      await new Promise((done) => interrupt.signal.addEventListener('abort', done));
      process.kill(process.pid, 'SIGINT');
      writeOutputFiles([{ flag: 'out', path: ${JSON.stringify(out)}, data: new Uint8Array(64 * 2 ** 20) }]);
      process.stdout.write('written\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += String(chunk);
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect([code, output]).toEqual([130, 'written\n']);
    expect(readdirSync(folder)).toEqual(['big.bin']);
    expect(existsSync(out)).toBe(true);
  }, 30_000);
});
