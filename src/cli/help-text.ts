// The limits each task command's --help states, read from the engine's own (REQUEST_LIMITS, MAX_INPUT_PIXELS,
// ACCEPTED_FORMATS), so the help says exactly what the checks refuse.
import { ACCEPTED_FORMATS, REQUEST_LIMITS as L, MAX_INPUT_PIXELS } from '../../engine/index.js';

/** "png, jpeg or webp". */
export const IMAGE_FORMATS = `${ACCEPTED_FORMATS.slice(0, -1).join(', ')} or ${ACCEPTED_FORMATS.at(-1)}`;

export function limitsHelp(o: {
  /** The command takes --width and --height. */
  size?: boolean;
  /** The command reads input images. */
  images?: boolean;
  maxSteps?: number;
  /** Lines of the command's own. */
  more?: string[];
}): string {
  const side = Math.sqrt(MAX_INPUT_PIXELS);
  return [
    'Limits:',
    ...(o.size ? [`  --width, --height: multiples of 16 from ${L.minSide} to ${L.maxSide}`] : []),
    `  --steps 1 to ${o.maxSteps ?? L.maxSteps}, --cfg 0 to ${L.maxGuidance}, --temperature 0 to ${L.maxTemperature}, --seed 0 to ${2 ** 32 - 1} (random when not given)`,
    `  prompts of at most ${L.maxPromptChars} characters`,
    ...(o.images ? [`  input images: ${IMAGE_FORMATS}, at most ${side}×${side} pixels`] : []),
    ...(o.more ?? []).map((line) => `  ${line}`),
  ].join('\n');
}
