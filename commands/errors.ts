// A user's mistake, as a code that is also the locale key of the sentence naming it, with the parameters that
// sentence needs. The commands layer's error boundary turns it into a reply; adapters throw the same error for
// what only they can refuse (a download from the wrong host, a file over the platform's limit).

/** Every refusal of a user's input; each is a key in every catalog (test/locales.test.ts checks it). */
export const USER_INPUT_CODES = [
  'errors.prompt_empty',
  'errors.prompt_too_long',
  'errors.line_too_long',
  'errors.permutation.braces',
  'errors.permutation.limit',
  'errors.permutation.limit_over',
  'errors.blocked_words',
  'errors.flag.unknown',
  'errors.flag.not_here',
  'errors.flag.missing_value',
  'errors.flag.range_integer',
  'errors.flag.range_number',
  'errors.flag.aspect',
  'errors.flag.size',
  'errors.flag.conflict',
  'errors.flag.cache_steps',
  'errors.option.too_long',
  'errors.option.invalid',
  'errors.settings.choice',
  'errors.settings.unknown',
  'errors.prefer.name',
  'errors.prefer.reserved',
  'errors.prefer.limit',
  'errors.prefer.unknown',
  'errors.prefer.option_missing',
  'errors.prefer.value_too_long',
  'errors.input.too_large',
  'errors.input.too_large_unsized',
  'errors.input.image_missing',
  'errors.edit.type',
  'errors.edit.reference_missing',
  'errors.edit.instruction_empty',
  'errors.edit.flag_not_here',
  'errors.imagine.image_flag',
  'errors.retouch.region_missing',
  'errors.retouch.boxes',
  'errors.retouch.mask_empty',
  'errors.admin_only',
  'errors.block.user_missing',
  'errors.block.self',
  'errors.block.admin',
  'errors.block.not_blocked',
  'errors.block.reason_too_long',
  'errors.block.user_invalid',
  'errors.job.not_found',
  'errors.job.deleted',
  'errors.job.expired',
  'errors.button.unknown',
  'errors.button.owner_only',
  'errors.button.not_available',
  'errors.rerun.imagine_only',
  'errors.rerun.no_result',
  'errors.rerun.zoom',
  'errors.rerun.region',
  'errors.reroll.same_picture',
  'errors.outpaint.already_square',
  'errors.outpaint.too_elongated',
  'errors.outpaint.prompt_empty',
  'errors.upscale.largest',
  'errors.grid.pick_first',
  'errors.discord.attachment_host',
  'errors.discord.download_failed',
  'errors.discord.no_image',
  'errors.discord.reference_gone',
  'errors.telegram.download_failed',
  'web.needs_image',
] as const;

export type UserInputCode = (typeof USER_INPUT_CODES)[number];

export function isUserInputCode(value: unknown): value is UserInputCode {
  return (USER_INPUT_CODES as readonly unknown[]).includes(value);
}

export class UserInputError extends Error {
  constructor(
    /** The code, which is the locale key of the refusal. */
    readonly key: UserInputCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'UserInputError';
  }
}
