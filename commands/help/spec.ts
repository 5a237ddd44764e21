// /help (Telegram's /start too): what the bot does, its commands, and the platform's own ways of giving input.
import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

export const helpSpec = { name: 'help', options: z.object({}), personal: true } satisfies CommandSpec;

/** Telegram opens every chat with /start. */
export const startSpec = {
  name: 'start',
  options: z.object({}),
  platforms: ['telegram'],
  aliasOf: 'help',
  listed: false,
} satisfies CommandSpec;
