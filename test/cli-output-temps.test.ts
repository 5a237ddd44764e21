// The hidden `.NAME.PID.tmp` files that writeOutputFiles writes before renaming them over their names: a second
// Ctrl-C during the write cannot leave one (the write runs without a break, the signal's handler after it), and one
// left by a run killed outright (SIGKILL, SIGHUP) goes when the same name is next written, once it is minutes old and
// its process gone (or a day old whatever its PID); one that cannot be removed stays, and the write goes on.
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

describe('temporary output files', () => {
  it('one of a dead run for the same name is removed by the next write; a living one and other names stay', () => {
    const folder = mkdtempSync(join(dir, 'stale-'));
    const dead = deadPid();
    const stale = `.fox.png.${dead}.tmp`;
    // process.ppid: the test runner, alive while this runs (another run writing the same name).
    const living = `.fox.png.${process.ppid}.tmp`;
    const other = `.cat.png.${dead}.tmp`;
    for (const name of [stale, living, other]) {
      writeFileSync(join(folder, name), 'half a PNG');
      age(join(folder, name), 11);
    }
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([other, living, 'fox.png'].sort());
    expect(readFileSync(join(folder, 'fox.png'), 'utf8')).toBe('whole');
  });

  it('one of a dead PID written in the last minutes stays (another host may be writing it); any a day old goes', () => {
    const folder = mkdtempSync(join(dir, 'age-'));
    const dead = deadPid();
    // A PID not seen here may be a living writer on another host or container sharing the folder.
    const recent = `.fox.png.${dead}.tmp`;
    // A living PID's day-old temp: the PID was reused, the writer long gone.
    const abandoned = `.fox.png.${process.ppid}.tmp`;
    writeFileSync(join(folder, recent), 'half a PNG');
    age(join(folder, recent), 2);
    writeFileSync(join(folder, abandoned), 'half a PNG');
    age(join(folder, abandoned), 25 * 60);
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([recent, 'fox.png'].sort());
  });

  it('a stale name that cannot be removed (a folder) stays, and the write goes on', () => {
    const folder = mkdtempSync(join(dir, 'unremovable-'));
    const stale = join(folder, `.fox.png.${deadPid()}.tmp`);
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
      const stale = join(folder, `.fox.png.${deadPid()}.tmp`);
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
