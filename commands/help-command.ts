// /help (and Telegram's /start): the common lines, then the platform's own ways of giving input.
import type { Operation } from './context.js';

export const help: Operation<void> = async (deps) => ({
  text: [
    { key: 'help.text' },
    { key: 'help.flags' },
    { key: deps.helpImagesKey },
    ...deps.helpKeys.map((key) => ({ key })),
  ],
  ephemeral: true,
});
