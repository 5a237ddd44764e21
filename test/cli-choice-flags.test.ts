// A flag that takes one of a few words names the word given and the ones it takes, the same for every command:
// make-test-checkpoint's --preset and --dtype as the task commands' --device, --precision and --quant.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-choices-'));
const firstLine = (err: string) => err.split('\n')[0];

describe('make-test-checkpoint --preset and --dtype', () => {
  it('a value not taken is refused naming it and the choices, exit 2, nothing written', async () => {
    const out = join(dir, 'checkpoint');
    for (const [flags, line] of [
      [['--preset', 'huge'], '--preset must be one of tiny, small, dimoo-ids, 8b, got "huge"'],
      [['--dtype', 'fp16'], '--dtype must be one of bf16, fp32, got "fp16"'],
    ] as const) {
      const io = captureIo();
      const code = await main(['make-test-checkpoint', ...flags, '--out', out], io);
      expect([code, firstLine(io.err())]).toEqual([2, line]);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('words them as a task command words --precision', async () => {
    const io = captureIo();
    const code = await main(
      ['imagine', '--model', dir, '--prompt', 'a fox', '--precision', 'fp8', '--out', join(dir, 'f.png')],
      io,
    );
    expect([code, firstLine(io.err())]).toEqual([
      2,
      expect.stringMatching(/^--precision must be one of .*, got "fp8"$/),
    ]);
  });
});
