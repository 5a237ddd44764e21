// Midjourney's pan arrows under a result: each outpaints it toward its side. An arrow whose result would pass the
// 8:1 every image input is held to (a long picture panned along its length) is left out, as no button could take
// that result further (`panFits`).
import { panFits } from './outpaint/fit.js';
import type { Direction } from './outpaint/spec.js';
import { type ButtonAction, buttonId, type ReplyButton } from './reply.js';

const PANS: ReadonlyArray<readonly [ButtonAction, Direction]> = [
  ['pan_left', 'left'],
  ['pan_right', 'right'],
  ['pan_up', 'up'],
  ['pan_down', 'down'],
];

/** The arrows for result `jobId` of `size` (every arrow where the size is not known). */
export function panRow(jobId: string, size: { width: number; height: number } | undefined): ReplyButton[] {
  return PANS.filter(([, direction]) => size === undefined || panFits(direction, size)).map(([action]) => ({
    id: buttonId(action, jobId),
    labelKey: `button.${action}`,
    hintKey: `hint.${action}`,
    style: 'secondary',
  }));
}
