// Per-user defaults kept in the job store: output size class and aspect, steps, language, private results,
// progress previews, a negative prompt, custom options.
import type { Locale } from '../src/i18n.js';

export interface UserSettings {
  /** Output area class: about size² pixels. */
  size?: number;
  /** `W:H`. */
  aspect?: string;
  steps?: number;
  /** Images per /imagine that names no `--n` (2–4: a grid to pick from). */
  images?: number;
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
  /** The negative prompt of an /imagine, /retouch or /outpaint that gives no `--no` (and guides: cfg is not 0). */
  negativePrompt?: string;
  /** Custom options (`/prefer`): `--name` after a prompt stands for its value (`custom-options.ts`). */
  options?: Record<string, string>;
}
