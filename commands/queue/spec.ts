// /queue: how many jobs wait, where the user's own stand, and endings that reached nobody.
import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

export const queueSpec = { name: 'queue', options: z.object({}), personal: true } satisfies CommandSpec;
