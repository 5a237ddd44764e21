// DATA_DIR's write probe on a full disk: the file is made, then its bytes are refused (ENOSPC). The start says the
// disk is full, and leaves no empty probe file behind. The refusal is a double of node:fs's writeFileSync.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { assertWritableDataDir } from '../src/data-dir.js';

const disk = vi.hoisted(() => ({ full: false }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  // A full disk: the file is created empty, then the write of its bytes fails.
  const writeFileSync: typeof fs.writeFileSync = (path, data, options) => {
    if (disk.full && String(path).includes('.write-probe-')) {
      fs.writeFileSync(path, '');
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), {
        code: 'ENOSPC',
      });
    }
    fs.writeFileSync(path, data, options);
  };
  return { ...fs, default: { ...fs, writeFileSync }, writeFileSync };
});

describe('the write probe on a full disk', () => {
  it('says the disk is full and leaves no probe file in DATA_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-probe-'));
    disk.full = true;
    try {
      expect(() => assertWritableDataDir(dir)).toThrow(/no free space \(ENOSPC\)/);
    } finally {
      disk.full = false;
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('.write-probe-'))).toEqual([]);
  });
});
