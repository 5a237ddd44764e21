// The CLI's files: why one could not be read, in words, and outputs written whole or not at all.
import {
  lstatSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PID_PATTERN, PID_SPACE, processTag, readProcessTag } from '../process-tag.js';
import { CliError } from './command.js';

/** A temporary file's tag as names had it before `PID-SPACE`: the PID alone. */
const OLDER_TAG = new RegExp(`^${PID_PATTERN}$`);

/** Why a file could not be read or written, as a line says it ("no such file"), not as Node's error prints. */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOSPC') return 'no space left on the device';
  return error instanceof Error ? error.message : String(error);
}

/** One output: its path, the flag that named it (for a failure's line) and its bytes. */
export interface OutputFile {
  flag: string;
  path: string;
  data: string | Uint8Array;
}

/**
 * Writes an output file (`--out`) whole or not at all (`writeOutputFiles` with one file).
 */
export function writeOutputFile(flag: string, path: string, data: string | Uint8Array): void {
  writeOutputFiles([{ flag, path, data }]);
}

/**
 * Writes outputs that belong together (a grid and its images, a batch's group and its results.json) whole or not at
 * all: each into a temporary file beside it, and only when every one is written are they renamed over their names.
 * A failed write (a full disk) leaves no half file, no damaged earlier one, and none of the set without the rest.
 * The temporary files are hidden and removed on failure; one left by a run killed while it wrote (SIGKILL, a closed
 * terminal's SIGHUP; Ctrl-C and SIGTERM wait for the write, which runs without a break) goes when its name is next
 * written, once it is minutes old (`removeStaleTemps`). A link is followed (its target is written, as a plain
 * write would); a device or a pipe (`/dev/stdout`) cannot be renamed over and is written directly.
 */
export function writeOutputFiles(files: readonly OutputFile[]): void {
  const staged: Array<{ file: OutputFile; temp: string; target: string }> = [];
  const fail = (file: OutputFile, error: unknown) =>
    new CliError('output_unwritable', `cannot write --${file.flag} ${file.path}: ${fileErrorReason(error)}`);
  let current: OutputFile | undefined;
  const listings = new Map<string, string[]>();
  try {
    for (const file of files) {
      current = file;
      const target = targetOf(file.path);
      const existing = statSync(target, { throwIfNoEntry: false });
      if (existing && !existing.isFile()) {
        writeFileSync(target, file.data);
        continue;
      }
      removeStaleTemps(target, listings);
      const temp = join(dirname(target), `.${basename(target)}.${processTag()}.tmp`);
      staged.push({ file, temp, target });
      writeFileSync(temp, file.data);
    }
    for (const { file, temp, target } of staged) {
      current = file;
      renameSync(temp, target);
    }
  } catch (error) {
    for (const { temp } of staged) removeQuietly(temp);
    throw current ? fail(current, error) : error;
  }
}

/** The file a path names: a link's target, or the path itself when nothing is there yet. */
function targetOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * A temp untouched this long is no write going on (a write takes seconds): one of a process gone here, or of
 * another host or container, whose PID says nothing here, goes.
 */
const STALE_AFTER_MS = 10 * 60 * 1000;
/** A temp this old goes whatever its PID: a reused PID would otherwise keep it forever. */
const ABANDONED_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * `.NAME.PID-SPACE.tmp` files beside `target` (`processTag`; `.NAME.PID.tmp` of earlier versions) that a run killed
 * in the middle of its write left: one untouched for minutes whose process is gone, or any untouched for a day. Its
 * PID is asked only where it means the same process (the same PID space: this host's boot and this container); one
 * of another host or container (an earlier version's too, which named no space) is judged by its age alone, as a
 * living writer there keeps its mtime recent. Best effort: a temp that cannot be removed (another user's in a sticky
 * folder, a folder of that name) stays, and the write goes on.
 */
function removeStaleTemps(target: string, listings: Map<string, string[]>): void {
  const folder = dirname(target);
  let entries = listings.get(folder);
  if (!entries) {
    try {
      entries = readdirSync(folder);
    } catch {
      return; // the write itself reports the folder
    }
    // Read once for a set's files: a batch's group all go into one folder.
    listings.set(folder, entries);
  }
  const prefix = `.${basename(target)}.`;
  const now = Date.now();
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.tmp')) continue;
    const tag = entry.slice(prefix.length, -'.tmp'.length);
    const writer = readProcessTag(tag);
    if (!writer && !OLDER_TAG.test(tag)) continue;
    if (writer && writer.space === PID_SPACE && writer.pid === process.pid) continue;
    const path = join(folder, entry);
    let stat: Stats | undefined;
    try {
      stat = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!stat?.isFile()) continue;
    const age = now - stat.mtimeMs;
    const gone = () => writer?.space !== PID_SPACE || !isRunning(writer.pid);
    if (age > ABANDONED_AFTER_MS || (age > STALE_AFTER_MS && gone())) removeQuietly(path);
  }
}

/**
 * `path` removed, for cleanup only; false when it could not be (another user's in a sticky folder, a folder of that
 * name): what stays is hidden, and the write's own outcome is what the user is told.
 */
export function removeQuietly(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return true;
  } catch {
    return false;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
