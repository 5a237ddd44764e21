// Telegram gives every button of an inline-keyboard row the same width and cuts a label that does not fit with "…"
// ("Zoom out 1…"). Discord wraps a row's buttons instead, and the playground lets them flow, so only Telegram splits
// a row whose labels would not fit into a few balanced rows, in their order.

/**
 * How many characters a phone-wide row shows across all its buttons, and what each button's edges take. An
 * estimate from Telegram's mobile clients (a 360–390 pt wide keyboard, 15–16 pt text): three "Vary (Subtle)" fit
 * a row, four "Zoom out 1.5×" do not.
 */
export const ROW_CHARS = 48;
export const BUTTON_EDGE_CHARS = 3;

/** A label's width in Latin characters: CJK and other wide characters take two. */
export function labelWidth(label: string): number {
  let width = 0;
  for (const char of label) width += isWide(char.codePointAt(0) ?? 0) ? 2 : 1;
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) || // Hangul Jamo
    (code >= 0x2e80 && code <= 0xa4cf) || // CJK radicals … Yi
    (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility ideographs
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) || // full-width forms
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) || // emoji
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Whether `labels` fit one row, each in its equal share of the width. */
export function fitsOneRow(labels: readonly string[]): boolean {
  const share = Math.floor(ROW_CHARS / Math.max(1, labels.length)) - BUTTON_EDGE_CHARS;
  return labels.every((label) => labelWidth(label) <= share);
}

/**
 * A row as the fewest rows, in order, with sizes as even as possible (the longer rows first), in which every label
 * fits; a label too long even alone gets a row of its own.
 */
export function splitRow<T>(row: readonly T[], label: (item: T) => string): T[][] {
  for (let count = 1; count < row.length; count++) {
    const rows = balanced(row, count);
    if (rows.every((r) => fitsOneRow(r.map(label)))) return rows;
  }
  return row.map((item) => [item]);
}

function balanced<T>(row: readonly T[], count: number): T[][] {
  const rows: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const size = Math.ceil((row.length - start) / (count - i));
    rows.push(row.slice(start, start + size));
    start += size;
  }
  return rows;
}
