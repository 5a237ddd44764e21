// `dimoo --version` (and -v) prints package.json's version and exits 0, and `dimoo --help` says so; the installed bin
// (the esbuild bundle) prints the same. The version is read, not imported: an import of JSON takes import attributes
// (`with { type: 'json' }`), which Node 20.0-20.9 cannot parse (engines says >=20; tsx runs the sources as written
// where dist/ cannot be written), and it would put all of package.json in the bundle.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
    // Built (or found fresh) by that run: package.json is no input of it.
    const inputs = JSON.parse(readFileSync(join(root, 'dist', 'dimoo-cli.inputs.json'), 'utf8')) as string[];
    expect(inputs.filter((input) => input.endsWith('.json'))).toEqual([]);
  });

  it('no product source imports with import attributes, which Node 20 before 20.10 cannot parse', () => {
    const sources = (folder: string): string[] =>
      readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => /\.(ts|js|mjs)$/.test(file))
        .map((file) => join(folder, file));
    const offending = ['src', 'engine', 'commands', 'adapters', 'bin']
      .flatMap(sources)
      .filter((file) => /\b(?:with|assert)\s*\{\s*type\s*:/.test(readFileSync(join(root, file), 'utf8')));
    expect(offending).toEqual([]);
  });
});
