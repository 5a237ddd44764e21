import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { expect, test } from 'vitest';

test('a test worker makes its temporary folders under the run’s own folder, removed after the run', () => {
  expect(basename(tmpdir())).toMatch(/^dimoo-tests-/);
  expect(dirname(tmpdir())).not.toMatch(/dimoo-tests-/);
});
