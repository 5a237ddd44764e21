// A `/word` that names none of our commands: where it looks like a slip of the keys on one the user may run here
// (`/imagne`, `/descirbe`, `/drwa`), the answer names that one, so the line is put right rather than looked up.
import type { Platform } from '../src/jobs/index.js';
import { type CommandSpec, onPlatform } from './spec.js';

/** Further than this, a word is more likely another bot's command or a new word than a slip. */
const MAX_EDITS = 2;

/**
 * The command (or second name, `/draw`) nearest to `word` by typing edits (a letter added, dropped, changed, or two
 * side by side swapped), when within `MAX_EDITS` and fewer edits than the word has letters (`/ab` is no slip of
 * `/edit`); the earliest in `specs` among the nearest. Only what the asker may run on their platform is named.
 */
export function nearestCommand(
  specs: readonly CommandSpec[],
  typed: string,
  platform: Platform,
  admin = false,
): string | undefined {
  const word = typed.toLowerCase();
  let best: { name: string; edits: number } | undefined;
  for (const spec of specs) {
    if (!onPlatform(spec, platform) || (spec.adminOnly && !admin)) continue;
    for (const name of [spec.name, ...(spec.telegramAliases ?? [])]) {
      const edits = editDistance(word, name);
      // The word itself (0 edits) is no slip: its line failed for another reason (`/imagine@x`), said as unknown.
      if (edits > 0 && edits <= MAX_EDITS && edits < word.length && (!best || edits < best.edits))
        best = { name, edits };
    }
  }
  return best?.name;
}

/** The word of a `/word …` line (before a space or an `@bot`), or undefined when the line opens with no command. */
export function commandWord(line: string): string | undefined {
  return /^\/([^\s@]{1,64})/u.exec(line.trim())?.[1];
}

/** Optimal string alignment distance: Levenshtein's edits plus a swap of two neighbours as one. */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  // Far longer or shorter words cannot come within reach: no table for a pasted paragraph.
  if (Math.abs(x.length - y.length) > MAX_EDITS) return MAX_EDITS + 1;
  const d = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      row[j] = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        row[j] = Math.min(at(i, j), at(i - 2, j - 2) + 1);
    }
  }
  return at(x.length, y.length);
}
