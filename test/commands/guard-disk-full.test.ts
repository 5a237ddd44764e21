// The commands' error boundary tells a full disk as SQLite words it too: a write refused for want of space can come as
// SQLITE_IOERR_WRITE, a full disk only by the space left on DATA_DIR's file system (a statfs double here).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { CommandContext } from '../../commands/context.js';
import { guard } from '../../commands/guard.js';
import { disk } from '../doubles/statfs-double.js';

vi.mock('node:fs', async (importOriginal) =>
  (await import('../doubles/statfs-double.js')).withStatfsDouble(await importOriginal()),
);

const ctx = { user: { platform: 'telegram', userId: '1' } } as CommandContext;
const ioError = () => Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });

describe('guard on an SQLite I/O error', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-guard-'));

  it('says the disk is full when DATA_DIR has no room, and tells the admins so', async () => {
    disk.freeBytes = 8192;
    const log = vi.fn();
    const reply = await guard({ log, store: { dataDir } }, ctx, async () => {
      throw ioError();
    });
    expect(reply.text.map((line) => line.key)).toEqual(['errors.disk_full']);
    expect(log).toHaveBeenCalledWith(
      'error',
      'disk full: command could not store its work',
      expect.anything(),
    );
  });

  it('on a disk with room is a generic failure', async () => {
    disk.freeBytes = 2 ** 29;
    const reply = await guard({ store: { dataDir } }, ctx, async () => {
      throw ioError();
    });
    expect(reply.text.map((line) => line.key)).toEqual(['errors.generic']);
  });
});
