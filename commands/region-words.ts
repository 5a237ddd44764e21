// /outpaint's and /retouch's own words (`--zoom`, `--pan`, `--box`) typed in a `..` reply or a Remix line: those make
// the job again on its picture and region, which they cannot change, so the refusal points to what does (Custom zoom
// and the arrows, Vary (Region), a new command). A keyboard's dash before such a word is punctuation too
// (`add a frying —pan`, `a camera —zoom in`): it is the command's word only with a value it takes (`—pan left`,
// `—zoom 2`, `—box top`), as /imagine keeps any `—word` it has no flag for as words. Two hyphens are typed on purpose:
// `--pan` is refused whatever follows, as /imagine refuses a `--flag` it cannot read.
import { UserInputError } from './errors.js';
import { withoutMarks, withoutMarksAtFlags } from './flag-marks.js';
import { readNumber } from './options.js';
import { DIRECTIONS, outpaintSpec } from './outpaint/spec.js';
import { parseBoxes } from './regions.js';
import { retouchSpec } from './retouch/spec.js';
import { flagNameOf } from './typed-dashes.js';

const ZOOM_WORDS: readonly string[] = Object.keys(outpaintSpec.text.named);
const REGION_WORDS: readonly string[] = Object.keys(retouchSpec.text.named);

/** Whether a value is one the word takes: a number, a direction, a region (the first of a list typed with spaces). */
const TAKES: Readonly<Record<string, (value: string) => boolean>> = {
  zoom: (value) => readNumber(value, false) !== undefined,
  pan: (value) => (DIRECTIONS as readonly string[]).includes(value.normalize('NFKC').toLowerCase()),
  box: (value) => {
    try {
      parseBoxes(value.replace(/[,;，；]+$/, ''));
      return true;
    } catch {
      return false;
    }
  },
};

const isRegionWord = (name: string) => ZOOM_WORDS.includes(name) || REGION_WORDS.includes(name);

/**
 * Throws the pointer for the first of /outpaint's or /retouch's words the line types as one; read in the line as
 * typed, before the user's custom options are put in (a value holds none: `/prefer` refuses them).
 */
export function refuseRegionWords(line: string): void {
  const tokens = withoutMarksAtFlags(line, isRegionWord).split(/\s+/);
  tokens.forEach((token, i) => {
    const name = flagNameOf(token);
    if (name === undefined || !isRegionWord(name)) return;
    const eq = token.search(/[=＝]/);
    const value = withoutMarks(eq < 0 ? (tokens[i + 1] ?? '') : token.slice(eq + 1));
    if (!token.startsWith('--') && !TAKES[name]?.(value)) return;
    const flag = `--${name}`;
    throw new UserInputError(ZOOM_WORDS.includes(name) ? 'errors.rerun.zoom' : 'errors.rerun.region', {
      flag,
    });
  });
}
