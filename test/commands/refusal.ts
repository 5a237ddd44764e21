import { UserInputError } from '../../commands/errors.js';

/** The key and params of the refusal (UserInputError) `work` throws; any other error is thrown on, none fails. */
export function refusal(work: () => unknown): { key: string; params: Record<string, string | number> } {
  try {
    work();
  } catch (error) {
    if (error instanceof UserInputError) return { key: error.key, params: error.params };
    throw error;
  }
  throw new Error('expected a refusal');
}
