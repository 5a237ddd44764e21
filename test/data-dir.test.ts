// An unusable DATA_DIR stops `npm start` with one line naming DATA_DIR, before any model is generated or loaded.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assertWritableDataDir, DataDirError, dataDirProblem } from '../src/data-dir.js';

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
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, WEB_PORT: '1' },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    const { code, stdout, stderr } = result as { code?: number; stdout: string; stderr: string };
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^DATA_DIR=.*a-file\/data .* is not a folder: /);
  });

  it('a full disk is told to make room, not to pick a writable folder', () => {
    expect(dataDirProblem('ENOSPC')).toBe(
      'has no free space: the bot keeps its job database and files there. Free some space on its disk, or point DATA_DIR at a folder on a disk with room.',
    );
    expect(dataDirProblem('EDQUOT')).toMatch(/^has no free space: .* Free some space/);
    expect(dataDirProblem('EACCES')).toMatch(/^is not writable: .* Point DATA_DIR at a writable folder\.$/);
  });
});
