// A `/word` that names none of our commands: where it looks like a slip of the keys on one the user may run here
// (`/imagne`, `/descirbe`, `/drwa`), the answer names that one, so the line is put right rather than looked up.
import type { Platform } from '../src/jobs/index.js';
import { nearestWord } from '../src/nearest-word.js';
import { type CommandSpec, onPlatform } from './spec.js';

/**
 * The command (or second name, `/draw`) nearest to `word` by typing edits (a letter added, dropped, changed, or two
 * side by side swapped), when within two and fewer edits than the word has letters (`/ab` is no slip of `/edit`); the
 * earliest in `specs` among the nearest (`nearestWord`). Only what the asker may run on their platform is named.
 */
export function nearestCommand(
  specs: readonly CommandSpec[],
  typed: string,
  platform: Platform,
  admin = false,
): string | undefined {
  const runnable = specs.filter((spec) => onPlatform(spec, platform) && (!spec.adminOnly || admin));
  return nearestWord(
    typed,
    runnable.flatMap((spec) => [spec.name, ...(spec.telegramAliases ?? [])]),
  );
}

/** The word of a `/word …` line (before a space or an `@bot`), or undefined when the line opens with no command. */
export function commandWord(line: string): string | undefined {
  return /^\/([^\s@]{1,64})/u.exec(line.trim())?.[1];
}
