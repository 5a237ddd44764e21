// Names for the files a process writes beside others' on a folder that several hosts or containers may share (a
// temporary file renamed over an output, a write probe). A PID alone names no one process there: every container
// counts its own from 1, so two `dimoo` runs of PID 7 writing the same output would write one temporary file, and
// the first rename would take the other's half-written bytes with it.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Where this process's PID means this process: the same for every process that sees its PIDs (one PID namespace on
 * one boot of one host), different for any other. On Linux the boot's id (random per host and boot, shared by its
 * containers) and the PID namespace (one per container, unless it shares the host's, whose PIDs it then shares).
 * Elsewhere, or where /proc cannot be read, one of this process alone: its PIDs are then never checked, only ages.
 */
function pidSpaceOf(): string {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const namespace = readlinkSync('/proc/self/ns/pid');
    if (boot && namespace)
      return createHash('sha256').update(`${boot}\n${namespace}`).digest('hex').slice(0, 12);
  } catch {
    // Not Linux, or a sandbox that hides these.
  }
  return randomBytes(6).toString('hex');
}

/** This process's PID space (`pidSpaceOf`), read once: a process never moves to another. */
export const PID_SPACE = pidSpaceOf();

/** `PID-SPACE`: this process's part of a file name, unique across the hosts and containers sharing a folder. */
export function processTag(pid: number = process.pid): string {
  return `${pid}-${PID_SPACE}`;
}

/** A process id as a file name carries it: an older name's whole tag, the first part of a `PID-SPACE` one. */
export const PID_PATTERN = '[1-9]\\d{0,9}';
const TAG = new RegExp(`^(${PID_PATTERN})-([0-9a-f]{12})$`);

/** A name's `PID-SPACE` part read back, or undefined when it is none (another program's file, an older name). */
export function readProcessTag(tag: string): { pid: number; space: string } | undefined {
  const match = TAG.exec(tag);
  return match ? { pid: Number(match[1]), space: match[2] as string } : undefined;
}
