// The hidden `.NAME.PID.tmp` files that writeOutputFiles writes before renaming them over their names: a second
// Ctrl-C during the write cannot leave one (the write runs without a break, the signal's handler after it), and one
// left by a run killed outright (SIGKILL, SIGHUP) goes when the same name is next written, unless its process lives.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('temporary output files', () => {
  it('one of a dead run for the same name is removed by the next write; a living one and other names stay', () => {
    const folder = mkdtempSync(join(dir, 'stale-'));
    const dead = deadPid();
    const stale = `.fox.png.${dead}.tmp`;
    // process.ppid: the test runner, alive while this runs (another run writing the same name).
    const living = `.fox.png.${process.ppid}.tmp`;
    const other = `.cat.png.${dead}.tmp`;
    for (const name of [stale, living, other]) writeFileSync(join(folder, name), 'half a PNG');
    writeOutputFiles([{ flag: 'out', path: join(folder, 'fox.png'), data: 'whole' }]);
    expect(readdirSync(folder).sort()).toEqual([other, living, 'fox.png'].sort());
    expect(readFileSync(join(folder, 'fox.png'), 'utf8')).toBe('whole');
  });

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
