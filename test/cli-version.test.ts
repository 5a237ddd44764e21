// `dimoo --version` (and -v) prints package.json's version and exits 0, and `dimoo --help` says so; the installed bin
// (the esbuild bundle) prints the same.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('dimoo --version', () => {
  it('prints the package version on stdout and exits 0, as --version and -v', async () => {
    for (const flag of ['--version', '-v']) {
      const io = captureIo();
      expect([flag, await main([flag], io), io.out(), io.err()]).toEqual([flag, 0, `${version}\n`, '']);
    }
  });

  it('is listed by dimoo --help', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toMatch(/"dimoo --version" \(-v\) for the version/);
  });

  it('the installed bin prints it too', () => {
    const out = execFileSync(process.execPath, ['bin/dimoo.js', '--version'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH },
    });
    expect(out).toBe(`${version}\n`);
  });
});
