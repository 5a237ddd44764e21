// Per-user defaults kept in the job store: output size class and aspect, steps, language, private results,
// progress previews.
import type { Locale } from '../src/i18n.js';
import { SUPPORTED_LOCALES } from '../src/i18n.js';
import { LIMITS, parseAspect, parseNumber, SIZE_CLASSES, UserInputError } from './prompt.js';

export interface UserSettings {
  /** Output area class: about size² pixels. */
  size?: number;
  /** `W:H`. */
  aspect?: string;
  steps?: number;
  language?: Locale;
  /** Results only to the user (ephemeral on Discord, a private chat elsewhere). */
  private?: boolean;
  /**
   * Show low-resolution previews while a job runs. Unset = the platform's default (Telegram: on in private chats,
   * off in groups, where every preview counts against the group's flood limit; Discord: on).
   */
  previews?: boolean;
  /** A plain chat line without a command starts an /imagine (the playground); unset = a hint is shown instead. */
  plainImagine?: boolean;
}

/** Raw changes as options deliver them; each is validated, unknown values refused with the option named. */
export interface SettingsChanges {
  size?: number | string;
  aspect?: string;
  steps?: number | string;
  language?: string;
  private?: boolean;
  previews?: boolean;
  plain?: boolean;
}

export function applySettingsChanges(current: UserSettings, changes: SettingsChanges): UserSettings {
  const next = { ...current };
  if (changes.size !== undefined) {
    const size = Number(changes.size);
    if (!(SIZE_CLASSES as readonly number[]).includes(size)) {
      throw new UserInputError('errors.settings.choice', {
        option: 'size',
        value: String(changes.size),
        choices: SIZE_CLASSES.join(', '),
      });
    }
    next.size = size;
  }
  if (changes.aspect !== undefined) {
    const a = parseAspect(changes.aspect, 'aspect');
    next.aspect = `${a.w}:${a.h}`;
  }
  if (changes.steps !== undefined)
    next.steps = parseNumber(String(changes.steps), 'steps', LIMITS.steps, true);
  if (changes.language !== undefined) {
    if (!(SUPPORTED_LOCALES as readonly string[]).includes(changes.language)) {
      throw new UserInputError('errors.settings.choice', {
        option: 'language',
        value: changes.language,
        choices: SUPPORTED_LOCALES.join(', '),
      });
    }
    next.language = changes.language as Locale;
  }
  if (changes.private !== undefined) next.private = changes.private;
  if (changes.previews !== undefined) next.previews = changes.previews;
  if (changes.plain !== undefined) next.plainImagine = changes.plain;
  return next;
}
