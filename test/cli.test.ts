import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { commands } from '../src/cli/commands.js';
import { flagsOf } from '../src/cli/flag-names.js';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** The command names listed under "Commands:" in a usage text. */
function listedCommands(usage: string): string[] {
  const section = usage.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

describe('dimoo CLI', () => {
  it('--help lists exactly the registered commands, with their summaries', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(listedCommands(io.out())).toEqual(commands.map((c) => c.name));
    for (const c of commands) expect(io.out()).toContain(c.summary);
    expect(io.err()).toBe('');
  });

  it('no command prints the usage and exits 2', async () => {
    const io = captureIo();
    expect(await main([], io)).toBe(2);
    expect(io.out()).toMatch(/^Usage: dimoo <command>/);
  });

  it('an unknown command is named on stderr with the usage, exit 2', async () => {
    const io = captureIo();
    expect(await main(['paint-the-moon'], io)).toBe(2);
    expect(io.err()).toMatch(/Unknown command "paint-the-moon"/);
    expect(listedCommands(io.err())).toEqual(commands.map((c) => c.name));
    expect(io.out()).toBe('');
  });

  it('a slip of a command’s name is answered with the command it most likely meant', async () => {
    const io = captureIo();
    expect(await main(['imagne'], io)).toBe(2);
    expect(io.err()).toMatch(/^Unknown command "imagne"\. Did you mean "imagine"\?\n/);
    const far = captureIo();
    expect(await main(['xyz'], far)).toBe(2);
    expect(far.err()).toMatch(/^Unknown command "xyz"\.\n/);
  });

  it('<command> --help prints that command usage', async () => {
    const io = captureIo();
    expect(await main(['config', '--help'], io)).toBe(0);
    expect(io.out()).toMatch(/^Usage: dimoo config/);
    // paint's regions read differently each: every one is explained on a line of its own, with its defaults.
    const paint = captureIo();
    expect(await main(['paint', '--help'], paint)).toBe(0);
    for (const flag of ['ratio', 'box', 'mask', 'extend', 'scatter', 'dilate', 'no-paste-back'])
      expect(paint.out(), flag).toMatch(new RegExp(`\\n  --${flag} `));
  });

  it('every command’s --help explains each flag it takes, with its default, and its usage names the same flags', async () => {
    for (const entry of commands) {
      const command = await entry.load();
      const taken = Object.keys(command.flags);
      // The table parseArgs reads is the one the help is written from: the usage line may not drift from it.
      expect(new Set(taken), entry.name).toEqual(flagsOf(command.usage));
      const io = captureIo();
      expect(await main([entry.name, '--help'], io)).toBe(0);
      const options = io.out().split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
      // Each flag on a line of its own, in order, and what follows it up to the next flag says its default.
      const blocks = options.split(/\n(?= {2}--)/).filter(Boolean);
      expect(
        blocks.map((b) => /^ {2}--([a-z-]+)/.exec(b)?.[1]),
        entry.name,
      ).toEqual(taken);
      for (const [i, block] of blocks.entries())
        expect(block.replace(/\s+/g, ' '), `${entry.name} --${taken[i]}`).toMatch(/default|required/);
    }
    // Defaults are the ones the command uses: describe's sampling is the engine's understanding defaults.
    const describeHelp = captureIo();
    await main(['describe', '--help'], describeHelp);
    expect(describeHelp.out()).toMatch(/--steps N {14}denoising steps \(default 128\)/);
    expect(describeHelp.out()).toMatch(/--temperature X .*\(default 0\)/);
  });

  it('the installed bin prints usage from a bundle of the current sources', async () => {
    const { stdout } = await run(process.execPath, ['bin/dimoo.js', '--help'], { cwd: root });
    expect(listedCommands(stdout)).toEqual(commands.map((c) => c.name));
    // The run left a bundle that is fresh against exactly the files it was built from, the engine's included.
    const { bundleIsFresh } = await import('../bin/cli-bundle.js');
    expect(bundleIsFresh()).toBe(true);
    const inputs = JSON.parse(readFileSync(`${root}dist/dimoo-cli.inputs.json`, 'utf8')) as string[];
    expect(inputs).toEqual(
      expect.arrayContaining(['src/cli/main.ts', 'engine/load-engine.ts', 'src/i18n.ts']),
    );
    expect(inputs.every((file) => !file.startsWith('node_modules/'))).toBe(true);
    // The engine's worker threads' entries are bundled beside it, where the bundled engine looks for them.
    for (const worker of ['quantize-worker', 'session-worker']) {
      expect(inputs).toContain(`engine/runtime/${worker}.ts`);
      expect(existsSync(`${root}dist/${worker}.mjs`)).toBe(true);
    }
  });

  it('dimoo config refuses an invalid environment with exit 1 and hides secrets', async () => {
    const error = await run(process.execPath, ['bin/dimoo.js', 'config'], {
      cwd: root,
      env: { PATH: process.env.PATH, DEVICE: 'tpu', TELEGRAM_TOKEN: 'broken-secret-value-42' },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1, stdout: '' });
    // Its failure starts as every command's does.
    expect((error as { stderr: string }).stderr).toMatch(
      /^dimoo config: Invalid configuration \(2 problems\):\n/,
    );
    expect((error as { stderr: string }).stderr).toMatch(/DEVICE: must be one of auto, cuda, cpu/);
    expect((error as { stderr: string }).stderr).toMatch(/TELEGRAM_TOKEN/);
    expect((error as { stderr: string }).stderr).not.toContain('broken-secret-value-42');
  });

  it('dimoo config prints a valid configuration with secrets as [set]', async () => {
    const token = '123456789:AAExampleExampleExampleExample_-xyz';
    const { stdout } = await run(process.execPath, ['bin/dimoo.js', 'config'], {
      cwd: root,
      env: { PATH: process.env.PATH, TELEGRAM_TOKEN: token, DEVICE: 'cpu' },
    });
    const shown = JSON.parse(stdout) as { device: string; telegram: { token: string } };
    expect(shown.device).toBe('cpu');
    expect(shown.telegram.token).toBe('[set]');
    expect(stdout).not.toContain(token);
  });

  it('dimoo worker says its refusals in the one-line form of every command', async () => {
    vi.stubEnv('QUEUE_URL', '');
    vi.stubEnv('DEVICE', '');
    try {
      const io = captureIo();
      expect(await main(['worker'], io)).toBe(1);
      expect(io.err()).toBe(
        'dimoo worker: QUEUE_URL is not set: `dimoo worker` serves a shared queue (redis://host:6379).\n',
      );
      vi.stubEnv('DEVICE', 'tpu');
      const invalid = captureIo();
      expect(await main(['worker'], invalid)).toBe(1);
      expect(invalid.err()).toMatch(/^dimoo worker: Invalid configuration \(1 problem\):\n {2}- DEVICE: /);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
