// Where make-test-checkpoint may write. Into a folder that already holds files, a new checkpoint mixes with the old
// one: `model.safetensors` is read before a new index, stale shards stay beside new ones, and `--out
// ./Lumina-DiMOO` would overwrite a real download. So a non-empty folder is refused unless an earlier run of this
// generator wrote it (or the caller forces it), and then the old weight files go before the new ones are written.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../api.js';
import { LAYOUT_FILE } from '../checkpoint/layout.js';

/** True when a folder holds a checkpoint this generator wrote (the playground's bundled model). */
export function isGeneratedCheckpoint(config: Record<string, unknown>): boolean {
  return typeof config.dimoo_test_checkpoint === 'object' && config.dimoo_test_checkpoint !== null;
}

function holdsGeneratedCheckpoint(out: string): boolean {
  try {
    const config: unknown = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    return (
      typeof config === 'object' &&
      config !== null &&
      isGeneratedCheckpoint(config as Record<string, unknown>)
    );
  } catch {
    return false;
  }
}

const WEIGHT_FILE = /\.safetensors(\.index\.json)?$/;

/** Removes the weight files (and their indexes) of one folder, nothing else. */
function removeWeightFiles(folder: string): void {
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder))
    if (WEIGHT_FILE.test(name) && statSync(join(folder, name)).isFile()) rmSync(join(folder, name));
}

/**
 * Readies `out` for a new checkpoint: a new or empty folder as it is; an earlier generated checkpoint (or any
 * folder, with `force`) without its weight files and layout file, which the new files then replace. Anything
 * else is refused with one line naming the folder.
 */
export function prepareOutFolder(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) {
    const detail = `${out} is a file; make-test-checkpoint writes a folder`;
    throw new EngineError('bad_request', detail, { detail });
  }
  if (readdirSync(out).length === 0) return;
  if (!force && !holdsGeneratedCheckpoint(out)) {
    const detail =
      `${out} is not empty and holds no generated test checkpoint (a real download?); ` +
      'choose a new or empty folder, or force it (dimoo make-test-checkpoint --force)';
    throw new EngineError('bad_request', detail, { detail });
  }
  removeWeightFiles(out);
  removeWeightFiles(join(out, 'vqvae'));
  // The dimoo-ids preset writes none: an old one would give its ids to the new checkpoint.
  rmSync(join(out, LAYOUT_FILE), { force: true });
}
