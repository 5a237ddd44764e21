// The word a slip of the keys most likely meant (`imagne` → `imagine`), shared by the chat commands' "Did you mean
// /imagine?" (commands/unknown-command.ts) and the CLI's "Did you mean imagine?" for a command or a flag.

/** Further than this, a word is more likely another program's word or a new one than a slip. */
export const MAX_SLIP_EDITS = 2;

/**
 * The candidate nearest to `word` by typing edits (a letter added, dropped, changed, or two side by side swapped),
 * when within `MAX_SLIP_EDITS` and fewer edits than the word has letters (`ab` is no slip of `edit`); the earliest
 * among the nearest. The word itself (no edit) is no slip: undefined.
 */
export function nearestWord(word: string, candidates: Iterable<string>): string | undefined {
  const typed = word.toLowerCase();
  let best: { name: string; edits: number } | undefined;
  for (const name of candidates) {
    const edits = editDistance(typed, name);
    if (edits > 0 && edits <= MAX_SLIP_EDITS && edits < typed.length && (!best || edits < best.edits))
      best = { name, edits };
  }
  return best?.name;
}

/** Optimal string alignment distance: Levenshtein's edits plus a swap of two neighbours as one. */
function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  // Far longer or shorter words cannot come within reach: no table for a pasted paragraph.
  if (Math.abs(x.length - y.length) > MAX_SLIP_EDITS) return MAX_SLIP_EDITS + 1;
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
