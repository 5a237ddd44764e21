// The commands layer's public entry for adapters.
export * from './commands.js';
export * from './definitions.js';
export type { InputImage } from './inputs.js';
export * from './prompt.js';
export { formatDuration, localeOf, renderEvent, resultButtons } from './render.js';
export * from './reply.js';
export type { SettingsChanges, UserSettings } from './settings.js';
