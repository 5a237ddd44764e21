// The commands layer's public entry for adapters and the composition root.
export * from './commands.js';
export { UserInputError } from './errors.js';
export { type FitFormat, type FittedImage, fitImage } from './fit-image.js';
export type { InputImage } from './inputs.js';
export * from './limits.js';
export { positionMilestones, positionWorthShowing } from './position-schedule.js';
export { ALL_FLAGS, checkPrompt, parsePrompt, sizeForAspect } from './prompt.js';
export { isQuestion } from './question.js';
export { quoted } from './quoted-text.js';
export { parseBoxes } from './regions.js';
export {
  COMMAND_REGISTRY,
  COMMANDS,
  CommandRegistry,
  defineCommand,
  findCommand,
  type RegisteredCommand,
} from './registry.js';
export { formatDuration, localeOf, renderEvent, resultButtons, shortText } from './render.js';
export * from './reply.js';
export type { SettingsChanges } from './settings/spec.js';
export type { UserSettings } from './settings.js';
export * from './spec.js';
export { findSpec, parseArgs, parseTextCommand, type TextCommand, takeOption } from './text-grammar.js';
export { commandWord, nearestCommand } from './unknown-command.js';
