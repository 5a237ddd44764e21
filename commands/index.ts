// The commands layer's public entry for adapters.
export * from './commands.js';
export * from './definitions.js';
export { type FitFormat, type FittedImage, fitImage } from './fit-image.js';
export type {
  DescribeInput,
  EditInput,
  ImagineInput,
  InputImage,
  OutpaintInput,
  RetouchInput,
} from './inputs.js';
export { megabytes } from './inputs.js';
export { positionMilestones, positionWorthShowing } from './position-schedule.js';
export * from './prompt.js';
export { parseBoxes } from './regions.js';
export { formatDuration, localeOf, renderEvent, resultButtons } from './render.js';
export * from './reply.js';
export type { SettingsChanges, UserSettings } from './settings.js';
export * from './text-commands.js';
