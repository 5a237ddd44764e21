import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

describe('npm run bench (bench/run.ts)', () => {
  it('--list names every benchmark file in bench/ except the runner', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--list'], {
      cwd: root,
    });
    const expected = readdirSync(`${root}bench`)
      .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(stdout.trim().split('\n').filter(Boolean)).toEqual(expected);
  });

  it('refuses an unknown benchmark by name with exit 2', async () => {
    const error = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'no-such-bench'], {
      cwd: root,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(/No benchmark "no-such-bench"/);
  });
});
