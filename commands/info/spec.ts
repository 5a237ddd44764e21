// /info: what the user has made (today, this week, in all), the model time it took, and where their jobs stand.
import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

export const infoSpec = { name: 'info', options: z.object({}), personal: true } satisfies CommandSpec;
