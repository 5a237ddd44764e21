// What an operator's mistakes meet besides the request checks (cli-preflight.test.ts): flags a command does not
// take, a flag whose value is missing, a folder given for a file, a reader that closes the pipe early, and what
// stays on stderr when a run fails or writes JSON.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePng, makeTestCheckpoint } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-bad-input-'));
const model = join(dir, 'model');
const nowhere = join(dir, 'no-such-model');
const input = join(dir, 'in.png');

beforeAll(async () => {
  makeTestCheckpoint({ out: model, preset: 'tiny', seed: 2 });
  const data = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 3) % 256);
  writeFileSync(input, await encodePng({ width: 64, height: 64, data }));
});

const cli = async (argv: string[], options: { tty?: boolean } = {}) => {
  const io = captureIo();
  if (options.tty) Object.assign(io.stderr, { isTTY: true });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

/** The message of a usage error: what comes before the usage. */
const usageMessage = (err: string) => err.split('\n\nUsage: ')[0] ?? '';

describe('flags', () => {
  it('a flag without its value is one line saying how to give it, not parseArgs’ three', async () => {
    for (const argv of [
      ['imagine', '--prompt', 'fox', '--steps', '--out', 'x.png'],
      ['imagine', '--prompt', 'fox', '--seed', '-1', '--out', 'x.png'],
    ]) {
      const r = await cli([...argv, '--model', nowhere]);
      expect(r.code).toBe(2);
      expect(usageMessage(r.err).split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^--(steps|seed) needs a value \(.*--(steps|seed)=-1\)/);
    }
  });

  it('a flag that takes one value, given twice, is refused rather than one of the values dropped', async () => {
    const out = join(dir, 'twice.png');
    for (const [flag, argv] of [
      ['prompt', ['--prompt', 'a fox', '--prompt', 'a cat', '--out', out]],
      ['out', ['--prompt', 'a fox', '--out', out, `--out=${out}`]],
    ] as const) {
      const r = await cli(['imagine', '--model', nowhere, ...argv, '--json']);
      expect([r.code, usageMessage(r.err)]).toEqual([2, `--${flag} is given twice; give it once`]);
      expect(JSON.parse(r.out)).toEqual({
        error: { code: 'usage', message: `--${flag} is given twice; give it once` },
      });
    }
    // paint's --box is a list: several are its meaning, not a mistake.
    const boxes = await cli([
      'paint',
      '--model',
      nowhere,
      '--image',
      input,
      '--prompt',
      'sea',
      '--box',
      '0,0,0.5,0.5',
      '--box',
      '0.5,0.5,0.5,0.5',
      '--out',
      out,
    ]);
    expect([boxes.code, boxes.err]).toEqual([1, expect.stringMatching(/no-such-model/)]);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown flag is answered with the one it most likely meant; --size with --width and --height', async () => {
    const slip = await cli(['imagine', '--model', model, '--prompt', 'a fox', '--stpes', '4']);
    expect([slip.code, usageMessage(slip.err)]).toEqual([
      2,
      "Unknown option '--stpes'. Did you mean --steps?",
    ]);
    const size = await cli(['imagine', '--model', model, '--prompt', 'a fox', '--size', '256']);
    expect(usageMessage(size.err)).toBe(
      "Unknown option '--size': give --width and --height (a multiple of 16 each)",
    );
    const far = await cli(['imagine', '--model', model, '--prompt', 'a fox', '--lighthouse']);
    expect(usageMessage(far.err)).toBe("Unknown option '--lighthouse'");
  });

  it('config and worker take none: one given is refused, not ignored', async () => {
    for (const argv of [
      ['config', '--json'],
      ['worker', '--model', model],
    ]) {
      const r = await cli(argv);
      expect([r.code, usageMessage(r.err)]).toEqual([2, `Unknown option '${argv[1]}'`]);
      expect(r.out).toBe('');
    }
  });

  it('make-test-checkpoint --shards takes 1 to 64 and writes nothing otherwise', async () => {
    for (const shards of ['0', '65', '99999']) {
      const out = join(dir, `shards-${shards}`);
      const r = await cli(['make-test-checkpoint', '--out', out, '--shards', shards]);
      expect([r.code, usageMessage(r.err)]).toEqual([
        2,
        `--shards must be a whole number from 1 to 64, got ${shards}`,
      ]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('make-test-checkpoint --shards beyond the tensors writes one per tensor, no empty file, and says so', async () => {
    const out = join(dir, 'shards-64');
    const r = await cli(['make-test-checkpoint', '--out', out, '--shards', '64']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      / in 21 shards \(one per transformer tensor; --shards 64 asked for more\) in \d+ ms\n/,
    );
    const shards = readdirSync(out).filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f));
    expect([shards.length, shards.every((f) => statSync(join(out, f)).size > 64)]).toEqual([21, true]);
  });
});

describe('files', () => {
  it('a folder given for an input file is said in words, not as an EISDIR error', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const edit = await cli([
      'edit',
      '--model',
      nowhere,
      '--image',
      folder,
      '--prompt',
      'add a hat',
      '--out',
      join(dir, 'e.png'),
    ]);
    expect([edit.code, edit.err]).toEqual([1, `dimoo edit: cannot read --image ${folder}: it is a folder\n`]);
    const batch = await cli(['batch', '--model', nowhere, '--prompts', folder, '--out-dir', join(dir, 'b')]);
    expect([batch.code, batch.err]).toEqual([
      1,
      `dimoo batch: cannot read --prompts ${folder}: it is a folder\n`,
    ]);
  });

  it('batch names where in the prompt file the prompt it refuses stands, and writes nothing', async () => {
    const long = 'b'.repeat(4500);
    const cases: Array<[string, string, string]> = [
      ['long.txt', `a cat\n\n${long}\n`, 'line 3'],
      ['long.jsonl', `{"prompt":"a cat"}\n${JSON.stringify({ prompt: long })}\n`, 'line 2'],
      ['long.json', JSON.stringify(['a cat', 'a dog', long]), 'item 3'],
    ];
    for (const [name, text, where] of cases) {
      const prompts = join(dir, name);
      writeFileSync(prompts, text);
      const outDir = join(dir, `refused-${name}`);
      const r = await cli(['batch', '--model', nowhere, '--prompts', prompts, '--out-dir', outDir, '--json']);
      const message = `--prompts ${prompts} ${where}: prompt is 4500 characters; the limit is 4000`;
      expect([r.code, r.err]).toEqual([1, `dimoo batch: ${message}\n`]);
      expect(JSON.parse(r.out)).toEqual({ error: { code: 'bad_request', message } });
      expect(existsSync(outDir)).toBe(false);
    }
  });

  it('an --out ending in a slash names a folder: refused before the model loads, nothing written', async () => {
    const existing = join(dir, 'existing.png');
    writeFileSync(existing, 'earlier');
    for (const out of [join(dir, 'new-folder/'), `${existing}/`]) {
      const r = await cli(['imagine', '--model', nowhere, '--prompt', 'a fox', '--out', out, '--json']);
      const message = `--out ${out} ends in "/", which names a folder; give a file name`;
      expect([r.code, r.err]).toEqual([1, `dimoo imagine: ${message}\n`]);
      expect(JSON.parse(r.out)).toEqual({ error: { code: 'output_unwritable', message } });
    }
    expect(readFileSync(existing, 'utf8')).toBe('earlier');
    expect(existsSync(join(dir, 'new-folder'))).toBe(false);
  });

  it('an image in a format not read names the ones that are', async () => {
    const gif = join(dir, 'in.gif');
    writeFileSync(gif, Buffer.concat([Buffer.from('GIF89a'), Buffer.from([16, 0, 16, 0, 0, 0, 0])]));
    const r = await cli(['describe', '--model', nowhere, '--image', gif]);
    expect([r.code, r.err]).toEqual([
      1,
      `dimoo describe: --image ${gif}: unsupported image format: gif (use png, jpeg or webp)\n`,
    ]);
  });

  it('a reader that closes the pipe early ends the output without a stack trace', async () => {
    const child = spawn(process.execPath, ['bin/dimoo.js', 'config'], {
      cwd: root,
      env: { PATH: process.env.PATH, DEVICE: 'cpu' },
    });
    // Closed before the child has written anything: its write meets EPIPE.
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += String(chunk);
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

describe('--help', () => {
  /** The `--flag 1 to N` bounds a command's help states. */
  const bounds = (help: string, flag: string) => {
    const [, low, high] = new RegExp(`${flag} (\\d+) to (\\d+)`).exec(help) ?? [];
    return [Number(low), Number(high)] as const;
  };

  it.each([
    ['imagine', ['--prompt', 'fox', '--out', join(dir, 'h.png')]],
    ['edit', ['--image', input, '--prompt', 'add a hat', '--out', join(dir, 'h.png')]],
    ['paint', ['--image', input, '--prompt', 'sea', '--scatter', '0.5', '--out', join(dir, 'h.png')]],
    // One block, so that any number of steps divides into it.
    ['describe', ['--image', input, '--gen-length', '32', '--block-length', '32']],
    ['batch', ['--prompts', join(dir, 'one.txt'), '--out-dir', join(dir, 'help-batch')]],
  ])('%s states the limits its checks apply', async (name, argv) => {
    writeFileSync(join(dir, 'one.txt'), 'a cat\n');
    const help = (await cli([name, '--help'])).out;
    for (const flag of ['--steps', '--cfg', '--temperature', '--seed']) {
      const [low, high] = bounds(help, flag);
      expect(Number.isFinite(high), `${name} ${flag}`).toBe(true);
      // At the bounds the request is fine (what fails is the missing model); past them it is refused.
      for (const value of [low, high]) {
        const r = await cli([name, ...argv, `${flag}=${value}`, '--model', nowhere]);
        expect(r.err, `${name} ${flag} ${value}`).toMatch(/no-such-model/);
      }
      for (const value of [low - 1, high + 1]) {
        const r = await cli([name, ...argv, `${flag}=${value}`, '--model', nowhere]);
        expect(r.err, `${name} ${flag} ${value}`).not.toMatch(/no-such-model/);
      }
    }
  });

  it('edit marks --prompt optional, as the types that write their own take none', async () => {
    expect((await cli(['edit', '--help'])).out).toContain('[--prompt TEXT]');
    const r = await cli([
      'edit',
      '--model',
      model,
      '--device',
      'cpu',
      '--image',
      input,
      '--type',
      'canny_pred',
      '--steps',
      '2',
      '--out',
      join(dir, 'pred.png'),
    ]);
    expect([r.code, r.err]).toEqual([0, expect.stringMatching(/^wrote /)]);
  });
});

describe('stderr', () => {
  it('edit names the type it inferred only once the model is open: a failure before stays one line', async () => {
    const r = await cli([
      'edit',
      '--model',
      nowhere,
      '--device',
      'cpu',
      '--image',
      input,
      '--prompt',
      'add a hat',
      '--out',
      join(dir, 'e.png'),
    ]);
    expect([r.code, r.err.trim().split('\n')]).toEqual([1, [expect.stringMatching(/no-such-model/)]]);
  });

  it('batch --json shows no progress bar in a terminal, as every task', async () => {
    const prompts = join(dir, 'two.txt');
    writeFileSync(prompts, 'a cat\na dog\n');
    const argv = ['batch', '--model', model, '--device', 'cpu', '--prompts', prompts];
    const small = ['--width', '32', '--height', '32', '--steps', '2', '--seed', '1'];
    const json = await cli([...argv, ...small, '--out-dir', join(dir, 'json'), '--json'], { tty: true });
    expect(json.code, json.err).toBe(0);
    expect(json.err).toBe('');
    // The bar is there without --json.
    const plain = await cli([...argv, ...small, '--out-dir', join(dir, 'plain')], { tty: true });
    expect(plain.err).toMatch(/\] 1\/2 images, step \d\/2/);
  });
});
