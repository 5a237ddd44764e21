// /help: the common lines, one line per command of the registry shown on this platform, then the platform's own
// ways of giving input.
import { t } from '../../src/i18n.js';
import type { Operation } from '../context.js';
import { descriptionKey, listedCommands } from '../spec.js';

export const help: Operation<unknown> = async (deps, ctx) => {
  const profile = deps.profile(ctx.user.platform);
  const commands = listedCommands(deps.registry.specs, ctx.user.platform, ctx.isAdmin);
  return {
    text: [
      { key: 'help.text' },
      ...commands.map((spec) => ({
        key: 'help.command',
        params: { command: spec.name, description: t(ctx.locale, descriptionKey(spec.name)) },
      })),
      { key: 'help.flags' },
      { key: profile.helpImagesKey },
      ...profile.helpKeys.map((key) => ({ key })),
    ],
    ephemeral: true,
  };
};
