// Every test's temporary folders (DATA_DIRs, checkpoints, browser profiles) live under one folder made for the
// run and removed after it: a full run makes hundreds, and a run on a developer's machine left them all in /tmp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'dimoo-tests-'));
  // Workers are forked after this and inherit the environment; os.tmpdir() reads TMPDIR.
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
