// On a terminal `dimoo imagine` draws one progress bar that ends its line once, when the steps are done: the engine's
// finishing report (the decode after the last step) repeats that step and must not print the full bar again.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { imagineAFox } from './cli/task-args.js';
import { cliOnTinyCheckpoint } from './cli-on-checkpoint.js';
import { captureIo } from './doubles/cli-io.js';

const { dir, model } = cliOnTinyCheckpoint('cli-bar', { width: 16, height: 16, step: 1 });

describe('the progress bar on a terminal', () => {
  it('is drawn to its last step once and ends its line once', async () => {
    const io = captureIo({ terminal: true });
    const out = join(mkdtempSync(join(dir, 'out-')), 'fox.png');
    const argv = [...imagineAFox(32), '--steps', '3', '--seed', '3', '--out', out];
    expect(await main([...argv, '--model', model, '--device', 'cpu'], io)).toBe(0);
    const bars = io
      .err()
      .split('\r')
      .filter((part) => part.startsWith('['));
    expect(bars.map((bar) => /\] (\d+)\/3/.exec(bar)?.[1])).toEqual(['1', '2', '3']);
    // Its line ended once, and what the command says next starts on the line after it.
    expect(io.err()).toContain('3/3\u001b[K\nwrote ');
  });
});
