// A folder the CLI makes under one that exists but takes no folders (/proc, a pseudo file system, where mkdir answers
// "no such file"): Node 20's recursive mkdir loops there for ever, so a mistyped --out or --cache hung the command
// with no word. Each is one line and exit 1. Run as a user would (bin/dimoo.js, a process of its own), so a hang is
// a killed child, not a stuck test worker.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNode } from './node-child.js';

const dimoo = (argv: string[]) => runNode(['bin/dimoo.js', ...argv]);

// A name of its own under /proc, which no process id takes.
const nowhere = `/proc/dimoo-no-folder-${process.pid}`;

describe.runIf(existsSync('/proc/self'))('a folder to make where mkdir answers "no such file"', () => {
  it('make-test-checkpoint --out there is refused in one line, one level down or more', async () => {
    for (const out of [nowhere, join(nowhere, 'deeper')]) {
      const r = await dimoo(['make-test-checkpoint', '--out', out]);
      expect(r.signal, out).toBeNull();
      expect(r.code, out).toBe(1);
      expect(r.err).toBe(`dimoo make-test-checkpoint: cannot write --out ${out}: no such file\n`);
    }
  }, 90_000);

  it('gpu-setup --cache there is refused in one line before anything is fetched', async () => {
    const ortDir = join(mkdtempSync(join(tmpdir(), 'dimoo-stuck-mkdir-')), 'ort');
    for (const cache of [nowhere, join(nowhere, 'deeper')]) {
      const r = await dimoo(['gpu-setup', '--cache', cache, '--ort-dir', ortDir]);
      expect(r.signal, cache).toBeNull();
      expect(r.code, cache).toBe(1);
      expect(r.err).toBe(`dimoo gpu-setup: cannot make the folder ${cache}: no such file\n`);
    }
  }, 90_000);
});
