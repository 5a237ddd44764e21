// The CLI a newcomer meets: make-test-checkpoint with no flags, a progress bar on stderr in a terminal (a real
// pseudo-terminal through util-linux `script`) and none with --json or without one, edit inferring its type and
// listing the types in --help, and the generation parameters in the written PNG.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng, readPngText } from '../engine/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'dimoo.js');
const run = promisify(execFile);
const haveScript = existsSync('/usr/bin/script');
const work = mkdtempSync(join(tmpdir(), 'dimoo-cli-first-'));
const model = join(work, 'dimoo-test-checkpoint-tiny');
const input = join(work, 'in.png');

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('dimoo CLI, first run', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    const data = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) % 256);
    writeFileSync(input, await encodePng({ width: 64, height: 64, data }));
  });

  it('make-test-checkpoint needs no flags: the tiny preset in a default folder, and says where', async () => {
    const { stderr } = await run(process.execPath, [bin, 'make-test-checkpoint'], { cwd: work });
    expect(existsSync(join(model, 'config.json'))).toBe(true);
    expect(stderr).toContain(`wrote a random tiny checkpoint (bf16) to ${model}`);
    expect(stderr).toContain(`npx dimoo imagine --model ${model}`);
  });

  it('edit --help lists the edit types', async () => {
    const { stdout } = await run(process.execPath, [bin, 'edit', '--help'], { cwd: work });
    for (const type of ['edit_add', 'edit_remove', 'edit_background', 'canny_control', 'image_ref_transfer'])
      expect(stdout).toContain(type);
    expect(stdout).toContain('[--type TYPE]');
  });

  it('edit infers the type from the instruction and writes the parameters into the PNG', async () => {
    const out = join(work, 'edit.png');
    const args = [
      'edit',
      '--model',
      model,
      '--device',
      'cpu',
      '--image',
      input,
      '--steps',
      '2',
      '--seed',
      '3',
    ];
    const { stdout } = await run(
      process.execPath,
      [bin, ...args, '--prompt', 'remove the hat', '--out', out, '--json'],
      { cwd: work },
    );
    expect(JSON.parse(stdout).type).toBe('edit_remove');
    const parameters = readPngText(readFileSync(out)).parameters ?? '';
    expect(parameters.split('\n')[0]).toBe('remove the hat');
    expect(parameters).toMatch(
      /Steps: 2, .*Seed: 3, Size: \d+x\d+, Model: Lumina-DiMOO, Task: image_to_image\/edit_remove/,
    );
    const named = await run(process.execPath, [bin, ...args, '--prompt', 'add a red scarf', '--out', out], {
      cwd: work,
    });
    expect(named.stderr).toContain('edit type edit_add (from the instruction');
  });

  it.skipIf(!haveScript)('shows a progress bar on stderr in a terminal, none with --json', async () => {
    const imagine = `${quote(process.execPath)} ${quote(bin)} imagine --model ${quote(model)} --device cpu --prompt fox --steps 3 --width 256 --height 256`;
    // stdout and stderr both go to the pseudo-terminal; stdout of `script` is what it saw.
    const tty = await run(
      'script',
      ['-q', '-e', '-c', `${imagine} --out ${quote(join(work, 'a.png'))} 2>&1`, '/dev/null'],
      {
        cwd: work,
      },
    );
    expect(tty.stdout).toMatch(/\[#+\.*\] 1\/3/);
    expect(tty.stdout).toMatch(/\[#{30}\] 3\/3/);
    const json = await run(
      'script',
      ['-q', '-e', '-c', `${imagine} --out ${quote(join(work, 'b.png'))} --json`, '/dev/null'],
      { cwd: work },
    );
    expect(json.stdout).not.toMatch(/\d\/3/);
    expect(JSON.parse(json.stdout.trim().split('\n').pop() ?? '{}').width).toBe(256);
    const piped = await run(
      process.execPath,
      [
        bin,
        'imagine',
        '--model',
        model,
        '--device',
        'cpu',
        '--prompt',
        'fox',
        '--steps',
        '3',
        '--width',
        '256',
        '--height',
        '256',
        '--out',
        join(work, 'c.png'),
      ],
      { cwd: work },
    );
    expect(piped.stderr).not.toMatch(/\d\/3/);
  });
});
