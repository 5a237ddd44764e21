// The one reading of a refused environment shared by the config tests: each problem loadConfig names.
import { ConfigError, loadConfig } from '../src/config/index.js';

/** The problems `loadConfig` refuses `env` with; an environment it takes fails the test. */
export function problemsOf(env: Record<string, string>): Array<{ variable: string; problem: string }> {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}
