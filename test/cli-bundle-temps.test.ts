// bin/cli-bundle.js writes the CLI bundle through temporary files. Its dist/ can be one folder shared by several
// containers (a checkout mounted in each), whose PIDs all count from 1: a build must not write, nor rename away, the
// temp of another container's build that has its PID. Stood in for here by files named as such a build's were.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** A root of its own (bin/cli-bundle.js copied, the rest linked), so the build writes a dist/ no other test reads. */
function isolatedRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'dimoo-cli-bundle-'));
  for (const name of readdirSync(repo))
    if (!['bin', 'dist', '.git'].includes(name)) symlinkSync(join(repo, name), join(root, name));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repo, 'bin/cli-bundle.js'), join(root, 'bin/cli-bundle.js'));
  return root;
}

describe('bin/cli-bundle.js', () => {
  it("leaves alone another container's temps of the same PID, and builds a working bundle", async () => {
    const root = isolatedRoot();
    const dist = join(root, 'dist');
    const names = ['dimoo-cli.mjs', 'quantize-worker.mjs', 'dimoo-cli.inputs.json'];
    // The build runs in a process of its own, which writes the stand-ins under its own PID first.
    const script = `
      import { mkdirSync, writeFileSync } from 'node:fs';
      mkdirSync(${JSON.stringify(dist)}, { recursive: true });
      for (const name of ${JSON.stringify(names)})
        writeFileSync(${JSON.stringify(dist)} + '/' + name + '.' + process.pid + '.tmp', 'another build: ' + name);
      await (await import(${JSON.stringify(pathToFileURL(join(root, 'bin/cli-bundle.js')).href)})).buildBundle();
      process.stdout.write(String(process.pid));`;
    const { stdout: pid } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    for (const name of names)
      expect(readFileSync(join(dist, `${name}.${pid}.tmp`), 'utf8'), name).toBe(`another build: ${name}`);
    // Its own temps all renamed into place: the stand-ins are the only ones left.
    expect(readdirSync(dist).filter((name) => name.endsWith('.tmp'))).toHaveLength(names.length);
    const bundle = pathToFileURL(join(dist, 'dimoo-cli.mjs')).href;
    const help = `process.exitCode = await (await import(${JSON.stringify(bundle)})).main(['--help']);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', help], { cwd: root });
    expect(stdout).toMatch(/^Usage: dimoo <command>/);
  }, 120_000);
});

describe('bin/cli-bundle.js temps', () => {
  it("removes its own temps when the build fails, and a killed build's older than a day", async () => {
    const root = isolatedRoot();
    const dist = join(root, 'dist');
    // The CLI bundle's place taken by a folder: its rename fails once every temp is written.
    mkdirSync(join(dist, 'dimoo-cli.mjs', 'in-the-way'), { recursive: true });
    const old = join(dist, 'dimoo-cli.mjs.77-0123456789ab.tmp');
    const recent = join(dist, 'quantize-worker.mjs.78-0123456789ab.tmp');
    writeFileSync(old, 'a killed build');
    writeFileSync(recent, 'a build still running');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    const script = `
      await (await import(${JSON.stringify(pathToFileURL(join(root, 'bin/cli-bundle.js')).href)})).buildBundle()
        .then(() => process.stdout.write('built'), (error) => process.stdout.write('failed: ' + error.code));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect(stdout).toMatch(/^failed: E/);
    expect(readdirSync(dist).filter((name) => name.endsWith('.tmp'))).toEqual([
      'quantize-worker.mjs.78-0123456789ab.tmp',
    ]);
  }, 120_000);
});

describe('bin/cli-bundle.js chunks', () => {
  it("leaves alone another build's chunks, and removes only those older than a day that nothing loads", async () => {
    const root = isolatedRoot();
    const dist = join(root, 'dist');
    mkdirSync(dist);
    // Another checkout's build into this dist/, its chunks written and its bundle not yet renamed into place.
    const another = join(dist, 'chunk-ANOTHERBUILD.mjs');
    writeFileSync(another, 'export const another = 1;');
    // A build's of two days ago, which no bundle loads any more.
    const stale = join(dist, 'chunk-TWODAYSOLD.mjs');
    writeFileSync(stale, 'export const stale = 1;');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    const script = `await (await import(${JSON.stringify(pathToFileURL(join(root, 'bin/cli-bundle.js')).href)})).buildBundle();`;
    await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    const names = readdirSync(dist);
    expect(names).toContain('chunk-ANOTHERBUILD.mjs');
    expect(names).not.toContain('chunk-TWODAYSOLD.mjs');
    // Its own chunks are all there: the bundle names each one it loads.
    const bundle = readFileSync(join(dist, 'dimoo-cli.mjs'), 'utf8');
    const loaded = [...bundle.matchAll(/chunk-[\w-]+\.mjs/g)].map(([name]) => name);
    expect(loaded.length).toBeGreaterThan(0);
    for (const name of loaded) expect(names).toContain(name);
  }, 120_000);
});
