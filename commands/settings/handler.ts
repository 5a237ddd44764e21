// /settings: shows the user's defaults, after saving the changes given; the reply speaks the new language at once.
import { catalog, t } from '../../src/i18n.js';
import { ownerKey } from '../../src/jobs/index.js';
import type { Operation } from '../context.js';
import { DEFAULT_SIZE_CLASS } from '../limits.js';
import { checkPrompt, parseAspect } from '../prompt.js';
import type { UserSettings } from '../settings.js';
import type { SettingsChanges } from './spec.js';

export const settings: Operation<SettingsChanges> = async (deps, ctx, changes) => {
  let current = ctx.settings;
  // `/settings no` with no words is no change: clearing the user's default takes `off`, said in the reply.
  const blankNo = changes.no !== undefined && changes.no.trim() === '';
  if (blankNo) changes = { ...changes, no: undefined };
  const changing = Object.values(changes).some((v) => v !== undefined);
  if (changing) {
    current = applySettingsChanges(current, changes);
    deps.store.saveSettings(ownerKey(ctx.user), current);
    ctx.settings = current;
    ctx.locale = current.language ?? ctx.locale;
  }
  return {
    text: [
      ...(changing ? [{ key: 'settings.saved' }] : []),
      ...(blankNo ? [{ key: 'settings.no_blank' }] : []),
      {
        key: 'settings.current',
        params: {
          size: current.size ?? DEFAULT_SIZE_CLASS,
          aspect: current.aspect ?? '1:1',
          steps: current.steps ?? 64,
          images: current.images ?? 1,
          language: catalog(current.language ?? ctx.locale)['meta.language_name'] ?? ctx.locale,
          private: current.private ? '✓' : '✗',
          previews:
            current.previews === undefined
              ? t(current.language ?? ctx.locale, 'settings.previews_auto')
              : current.previews
                ? '✓'
                : '✗',
          plain: current.plainImagine ? '✓' : '✗',
          no: current.negativePrompt ?? '✗',
        },
      },
    ],
    ephemeral: true,
  };
};

/** What `/settings no …` takes as "no default negative prompt". */
const CLEARS = /^(off|none|-|—|✗)$/i;

function applySettingsChanges(current: UserSettings, changes: SettingsChanges): UserSettings {
  const { plain, aspect, no, ...rest } = changes;
  const next: UserSettings = { ...current };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) Object.assign(next, { [key]: value });
  }
  if (aspect !== undefined) {
    const a = parseAspect(aspect, 'aspect');
    next.aspect = `${a.w}:${a.h}`;
  }
  if (plain !== undefined) next.plainImagine = plain;
  if (no !== undefined) {
    const negative = checkPrompt(no, { required: false });
    if (negative === '' || CLEARS.test(negative)) delete next.negativePrompt;
    else next.negativePrompt = negative;
  }
  return next;
}
