import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commands } from '../src/cli/commands.js';
import { main } from '../src/cli/main.js';

function io() {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _e, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    io: { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) },
    out: () => out,
    err: () => err,
  };
}

describe('dimoo CLI', () => {
  it('--help lists exactly the registered commands', async () => {
    const c = io();
    expect(await main(['--help'], c.io)).toBe(0);
    const listed = c
      .out()
      .split('\n')
      .filter((l) => /^ {2}\S/.test(l))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(commands.map((cmd) => cmd.name));
  });

  it('refuses an unknown command with exit code 2', async () => {
    const c = io();
    expect(await main(['paint-the-moon'], c.io)).toBe(2);
    expect(c.err()).toContain('Unknown command "paint-the-moon"');
  });

  it('runs through the bin entry', () => {
    const run = spawnSync(process.execPath, ['bin/dimoo.js', '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: dimoo <command>');
  });
});

describe('npm start with an invalid configuration', () => {
  it('prints one message naming each bad variable, without secrets, and exits 1', () => {
    const secret = 'secretvalue123456';
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      encoding: 'utf8',
      env: { ...process.env, DEVICE: 'tpu', WEB_PORT: 'abc', DISCORD_TOKEN: secret, TELEGRAM_TOKEN: secret },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('DEVICE');
    expect(run.stderr).toContain('WEB_PORT');
    expect(run.stderr).toContain('TELEGRAM_TOKEN');
    expect(run.stderr + run.stdout).not.toContain(secret);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
