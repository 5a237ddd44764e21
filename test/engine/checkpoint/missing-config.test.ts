// A folder without config.json (a mistyped --model, the parent of the download) is named in the refusal as the user
// gave it, and where that was relative, as it resolved: "config.json is missing" alone sent one looking for a file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/api.js';
import { inspectCheckpoint } from '../../../engine/index.js';

const refusal = async (modelDir: string) => {
  const error = await inspectCheckpoint(modelDir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
};

describe('config.json missing from the checkpoint folder', () => {
  it('names the folder as given: an absolute path as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-no-config-'));
    const error = await refusal(dir);
    expect([error.code, error.message]).toEqual([
      'checkpoint_missing',
      `config.json is missing from ${dir}: the model configuration`,
    ]);
  });

  it('a relative one as given, then as it resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-no-config-'));
    const given = relative(process.cwd(), dir);
    const error = await refusal(given);
    expect(error.message).toBe(`config.json is missing from ${given} (${dir}): the model configuration`);
  });
});
