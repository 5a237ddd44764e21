// What the task commands settle before the model loads (minutes for the real one): a bad flag, an output that
// cannot be written or a broken input image is reported on a model folder that does not even exist. Also where
// the model comes from (--model, MODEL_DIR, .env), failures as JSON with --json, and make-test-checkpoint's
// refusal to write into someone else's folder.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, makeTestCheckpoint } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { processTag } from '../src/process-tag.js';
import { describeBriefly, imagineAFox } from './cli/task-args.js';
import { captureIo } from './doubles/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'dimoo-cli-preflight-'));
const nowhere = join(dir, 'no-such-model');
const model = join(dir, 'model');
const input = join(dir, 'in.png');
const corrupt = join(dir, 'corrupt.png');
const blackMask = join(dir, 'black.png');
// A checkpoint folder with only its VQ config: what paint's region check reads, and nothing a model could load from.
const vqOnly = join(dir, 'vq-only');
const bin = fileURLToPath(new URL('../bin/dimoo.js', import.meta.url));
const run = promisify(execFile);

beforeAll(async () => {
  makeTestCheckpoint({ out: model, preset: 'tiny', seed: 2 });
  const data = new Uint8Array(64 * 64 * 3).map((_, i) => (i * 5) % 256);
  writeFileSync(input, await encodePng({ width: 64, height: 64, data }));
  // A PNG signature and then garbage: it fails when read, not only when decoded.
  writeFileSync(corrupt, Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)]));
  writeFileSync(blackMask, await encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) }));
  mkdirSync(join(vqOnly, 'vqvae'), { recursive: true });
  copyFileSync(join(model, 'vqvae', 'config.json'), join(vqOnly, 'vqvae', 'config.json'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = async (...argv: string[]) => {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

describe('checked before the model loads', () => {
  const out = join(dir, 'out.png');
  const noFolder = join(dir, 'missing-folder', 'out.png');
  const onNowhere = (...argv: string[]) => cli(...argv, '--model', nowhere, '--device', 'cpu');

  it.each([
    ['imagine', /: --width must be a multiple of 16/, ['--prompt', 'a fox', '--width', '100', '--out', out]],
    [
      'imagine',
      /: --steps must be a whole number from 1/,
      ['--prompt', 'a fox', '--steps', '0', '--out', out],
    ],
    ['imagine', /: --prompt is empty$/m, ['--prompt', ' ', '--out', out]],
    ['imagine', /: --temperature must be from 0 to/, ['--prompt', 'a', '--temperature', '99', '--out', out]],
    [
      'imagine',
      /: --negative-prompt needs guidance, and --cfg is 0$/m,
      ['--prompt', 'a fox', '--negative-prompt', 'snow', '--cfg', '0', '--out', out],
    ],
    [
      'imagine',
      /count must be a whole number from 1 to 4/,
      ['--prompt', 'a fox', '--count', '9', '--out', out],
    ],
    ['imagine', /ML-Cache needs more steps/, ['--prompt', 'a fox', '--cache', '--steps', '2', '--out', out]],
    [
      'imagine',
      /--refresh-interval must be an integer in \(1, 11\] for 16 steps and --warmup-ratio 0\.3, got 12/,
      ['--prompt', 'a fox', '--steps', '16', '--refresh-interval', '12', '--out', out],
    ],
    [
      'imagine',
      /: --count > 1 needs --temperature above 0$/m,
      ['--prompt', 'a fox', '--count', '2', '--temperature', '0', '--out', out],
    ],
    [
      'imagine',
      /--out .*the folder .*missing-folder does not exist/,
      ['--prompt', 'a fox', '--out', noFolder],
    ],
    ['imagine', /--out .* is a folder/, ['--prompt', 'a fox', '--out', dir]],
    ['edit', /corrupt\.png/, ['--image', corrupt, '--prompt', 'add a hat', '--out', out]],
    ['edit', /unknown edit type/, ['--image', input, '--type', 'edit_all', '--prompt', 'x', '--out', out]],
    [
      'edit',
      /needs a style reference image/,
      ['--image', input, '--type', 'image_ref_transfer', '--out', out],
    ],
    [
      'edit',
      /: --cfg-img must be from 0 to \d+, got 99$/m,
      ['--image', input, '--prompt', 'add a hat', '--cfg-img', '99', '--out', out],
    ],
    // The engine's prompt rules: an edit_* type (also the one inferred from no instruction) needs an instruction.
    [
      'edit',
      /: edit type "edit_add" needs --prompt$/m,
      ['--image', input, '--type', 'edit_add', '--out', out],
    ],
    ['edit', /: edit type "edit_replace" needs --prompt$/m, ['--image', input, '--out', out]],
    ['edit', /missing-folder does not exist/, ['--image', input, '--prompt', 'add a hat', '--out', noFolder]],
    [
      'paint',
      /exactly one of/,
      ['--image', input, '--prompt', 'sea', '--ratio', '1,1', '--mask', corrupt, '--out', out],
    ],
    [
      'paint',
      /--mask .*corrupt\.png/,
      ['--image', input, '--prompt', 'sea', '--mask', corrupt, '--out', out],
    ],
    [
      'paint',
      /--image .*corrupt\.png/,
      ['--image', corrupt, '--prompt', 'sea', '--scatter', '0.3', '--out', out],
    ],
    [
      'paint',
      /dilate/,
      ['--image', input, '--prompt', 'sea', '--scatter', '0.3', '--dilate', '40', '--out', out],
    ],
    ['describe', /corrupt\.png/, ['--image', corrupt]],
    [
      'describe',
      /: --gen-length \(10\) must be a multiple of --block-length \(4\)$/m,
      ['--image', input, '--gen-length', '10', '--block-length', '4'],
    ],
    ['describe', /: --gen-length must be a whole number from 1 to/, ['--image', input, '--gen-length', '0']],
    ['describe', /: --block-length must be a positive integer/, ['--image', input, '--block-length', '0']],
    // Flags not given count at the engine's defaults: 102 steps do not divide into the default blocks.
    [
      'describe',
      /: --steps \(102\) must be a multiple of the number of blocks \(--gen-length \/ --block-length = 4\)/,
      ['--image', input, '--steps', '102'],
    ],
    ['describe', /missing-folder does not exist/, ['--image', input, '--out', noFolder]],
    // Decimal numbers only: Number() reads "" as 0, so `--cfg=` ran with no guidance at all.
    ['imagine', /--cfg must be a number, got ""/, ['--prompt', 'a fox', '--cfg=', '--out', out]],
    [
      'imagine',
      /--seed must be a whole number, got "0x10"/,
      ['--prompt', 'a fox', '--seed', '0x10', '--out', out],
    ],
    [
      'imagine',
      /--steps must be a whole number, got "1e2"/,
      ['--prompt', 'a fox', '--steps', '1e2', '--out', out],
    ],
    [
      'paint',
      /--ratio takes 2 comma-separated/,
      ['--image', input, '--prompt', 'sea', '--ratio', ',1', '--out', out],
    ],
    [
      'imagine',
      /--device-memory-gb must be a number/,
      ['--prompt', 'a fox', '--device-memory-gb=', '--out', out],
    ],
  ] as const)('%s: %s, not the model', async (name, message, argv) => {
    const r = await onNowhere(name, ...argv);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/no-such-model/);
    // Usage mistakes print the usage and exit 2; everything else is one line and exit 1.
    if (r.code === 2) expect(r.err).toMatch(/\nUsage: dimoo /);
    else expect([r.code, r.err.trim().split('\n').length]).toEqual([1, 1]);
  });

  it('batch checks its flags and --out-dir first, and makes the folder only once the model is open', async () => {
    const prompts = join(dir, 'prompts.txt');
    writeFileSync(prompts, 'a cat\na dog\n');
    const outDir = join(dir, 'batch-out');
    const batch = (...argv: string[]) => onNowhere('batch', '--prompts', prompts, ...argv);
    let r = await batch('--out-dir', outDir, '--width', '33');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/width must be a multiple of 16/)]);
    r = await batch('--out-dir', join(prompts, 'results'));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/prompts\.txt is not a folder/)]);
    r = await batch('--out-dir', outDir, '--out', noFolder);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/--out .*missing-folder does not exist/)]);
    // results.json named as the folder itself was found only when it was written, after every image.
    r = await batch('--out-dir', outDir, '--out', outDir);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/--out .*batch-out is the --out-dir folder/)]);
    // Everything right but the model: the model's failure, and no empty folder left behind.
    r = await batch('--out-dir', outDir);
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/no-such-model does not exist/)]);
    expect(existsSync(outDir)).toBe(false);
  });

  // access() says yes there (to root for any folder; to anyone on /proc), and the write failed after the generation.
  it.runIf(existsSync('/proc/self'))(
    "an output folder that takes no file (/proc) is refused with the write failure's line, before the model",
    async () => {
      let r = await onNowhere('imagine', '--prompt', 'a fox', '--out', '/proc/dimoo-out.png');
      expect([r.code, r.err]).toEqual([
        1,
        'dimoo imagine: cannot write --out /proc/dimoo-out.png: no such file\n',
      ]);
      r = await onNowhere('describe', '--image', input, '--out', '/proc/answer.txt');
      expect([r.code, r.err]).toEqual([1, expect.stringMatching(/cannot write --out \/proc\/answer\.txt: /)]);
      const prompts = join(dir, 'proc-prompts.txt');
      writeFileSync(prompts, 'a cat\n');
      r = await onNowhere('batch', '--prompts', prompts, '--out-dir', '/proc/dimoo-results');
      expect([r.code, r.err]).toEqual([
        1,
        expect.stringMatching(/cannot write --out-dir \/proc\/dimoo-results: /),
      ]);
    },
  );

  it('the try at a writable folder leaves nothing there', async () => {
    const folder = mkdtempSync(join(dir, 'probe-'));
    const r = await onNowhere('imagine', '--prompt', 'a fox', '--out', join(folder, 'fox.png'));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/no-such-model does not exist/)]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a try left by an earlier run of this PID is removed and the folder tried again', async () => {
    const folder = mkdtempSync(join(dir, 'probe-left-'));
    writeFileSync(join(folder, `.dimoo-write-check.${processTag()}.tmp`), '');
    const r = await onNowhere('imagine', '--prompt', 'a fox', '--out', join(folder, 'fox.png'));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/no-such-model does not exist/)]);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a try left that cannot be removed (a folder of its name) is no stack trace: the checks go on', async () => {
    const folder = mkdtempSync(join(dir, 'probe-stuck-'));
    const stuck = `.dimoo-write-check.${processTag()}.tmp`;
    mkdirSync(join(folder, stuck, 'inside'), { recursive: true });
    const r = await onNowhere('imagine', '--prompt', 'a fox', '--out', join(folder, 'fox.png'));
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/no-such-model does not exist/)]);
    expect(readdirSync(folder)).toEqual([stuck]);
  });
});

describe("paint's region, before the model loads", () => {
  const out = join(dir, 'region.png');
  // On a folder the model cannot load from: a region refused only by the engine would meet the folder's failure.
  const paint = (...region: string[]) =>
    cli(
      'paint',
      '--model',
      vqOnly,
      '--device',
      'cpu',
      '--image',
      input,
      '--prompt',
      'sea',
      ...region,
      '--out',
      out,
    );

  it.each([
    [['--ratio', '2,2'], '--ratio: the height ratio must be a number in (0, 1], got 2'],
    [['--outpaint', '--ratio', '1,0'], '--ratio: the width ratio must be a number in (0, 1], got 0'],
    [['--box', '0,0,0,0.5'], '--box 1 (x 0, y 0, w 0, h 0.5) is empty: width and height must be positive'],
    [
      ['--box', '0,0,1,1', '--box', '1.5,0,0.2,0.2'],
      '--box 2 (x 1.5, y 0, w 0.2, h 0.2) lies outside the image',
    ],
    // Half past the edge: refused as the bot refuses it, not clipped to what is inside without a word.
    [
      ['--box', '0.5,0.5,0.9,0.9'],
      '--box 1 (x 0.5, y 0.5, w 0.9, h 0.9) runs past the image: x and y from 0, x + w and y + h at most 1',
    ],
    [['--extend', '5,0,0,0'], '--extend: the left extension must be a number in [0, 2], got 5'],
    [['--extend', '0,0,0,0'], '--extend: the extension is empty: extend at least one side'],
    [['--scatter', '2'], '--scatter: the share of cells to redraw must be in (0, 1], got 2'],
    [['--mask', blackMask], '--mask is empty: paint the area to change in white'],
    // On the checkpoint's own cells (16 pixels here): 6×6 pixels of a 64² image cover none.
    [['--box', '0,0,0.1,0.1'], 'the region to repaint is too small: it covers no whole 16×16 cell'],
  ])('%j', async (region, line) => {
    const r = await paint(...region);
    expect([r.code, r.err]).toEqual([1, `dimoo paint: ${line}\n`]);
  });

  it('a region the engine takes passes on to the model, and so does any region without a readable VQ config', async () => {
    let r = await paint('--box', '0,0,0.5,0.5');
    expect([r.code, r.err]).toEqual([
      1,
      `dimoo paint: config.json is missing from ${vqOnly}: the model configuration\n`,
    ]);
    // No VQ config, no cell size to plan on: the folder's own failure is the one said.
    r = await cli(
      'paint',
      '--model',
      nowhere,
      '--image',
      input,
      '--prompt',
      'sea',
      '--ratio',
      '2,2',
      '--out',
      out,
    );
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/no-such-model/)]);
  });
});

describe('--json failures', () => {
  it('print {"error":{code,message}} on stdout beside the line on stderr, with the same exit code', async () => {
    const out = join(dir, 'json.png');
    const cases = [
      [['imagine', '--model', nowhere, '--prompt', 'a fox', '--out', out], 1, 'checkpoint_missing'],
      [['imagine', '--model', model, '--prompt', 'a fox', '--width', '100', '--out', out], 1, 'bad_request'],
      [
        ['imagine', '--model', model, '--prompt', 'a fox', '--out', join(dir, 'nope', 'x.png')],
        1,
        'output_unwritable',
      ],
      [['imagine', '--model', model, '--prompt', 'a fox', '--width', 'wide', '--out', out], 2, 'usage'],
      [['describe', '--model', model, '--image', corrupt], 1, 'image_invalid'],
      [
        ['batch', '--model', model, '--prompts', join(dir, 'none.jsonl'), '--out-dir', dir],
        1,
        'prompts_invalid',
      ],
      [['check-model', '--model', nowhere], 1, 'checkpoint_missing'],
    ] as const;
    for (const [argv, code, errorCode] of cases) {
      const device = argv[0] === 'check-model' ? [] : ['--device', 'cpu'];
      const r = await cli(...argv, ...device, '--json');
      expect(r.code, argv.join(' ')).toBe(code);
      expect(r.out.trim().split('\n')).toHaveLength(1);
      const { error } = JSON.parse(r.out) as { error: { code: string; message: string } };
      expect(error.code, argv.join(' ')).toBe(errorCode);
      expect(r.err).toContain(error.message);
    }
    // Without --json stdout stays empty.
    const plain = await cli('imagine', '--model', nowhere, '--prompt', 'a fox', '--out', out);
    expect([plain.code, plain.out]).toEqual([1, '']);
  });
});

describe('the model folder', () => {
  const saved = process.env.MODEL_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.MODEL_DIR;
    else process.env.MODEL_DIR = saved;
  });

  it('every task command takes MODEL_DIR from the environment', async () => {
    process.env.MODEL_DIR = model;
    const out = join(dir, 'env.png');
    const small = ['--steps', '2', '--seed', '1', '--device', 'cpu', '--json'];
    let r = await cli(...imagineAFox(32), ...small, '--out', out);
    expect(r.code, r.err).toBe(0);
    r = await cli(...describeBriefly(input), ...small);
    expect(r.code, r.err).toBe(0);
    // --model wins over MODEL_DIR.
    r = await cli('imagine', '--model', nowhere, '--prompt', 'a fox', '--out', out);
    expect(r.err).toMatch(/no-such-model/);
    delete process.env.MODEL_DIR;
    r = await cli('imagine', '--prompt', 'a fox', '--out', out);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--model is required \(or set MODEL_DIR/)]);
    // Someone with no checkpoint yet is told where one comes from.
    expect(r.err.split('\n')[0]).toMatch(/downloaded Lumina-DiMOO.*`npx dimoo make-test-checkpoint`$/);
  });

  it('and from .env in the working folder, as `dimoo config` reads it', async () => {
    const work = join(dir, 'work');
    mkdirSync(work);
    writeFileSync(join(work, '.env'), `MODEL_DIR=${model}\n`);
    const env = { PATH: process.env.PATH };
    const args = ['--prompt', 'a fox', '--width', '32', '--height', '32', '--steps', '2', '--device', 'cpu'];
    await run(process.execPath, [bin, 'imagine', ...args, '--out', 'fox.png'], { cwd: work, env });
    expect(existsSync(join(work, 'fox.png'))).toBe(true);
    const { stdout } = await run(process.execPath, [bin, 'check-model', '--json'], { cwd: work, env });
    expect(JSON.parse(stdout)).toMatchObject({ dir: model });
  });
});

describe('dimoo make-test-checkpoint --out', () => {
  it('refuses a folder of other files (one line, exit 1), unless --force', async () => {
    const download = join(dir, 'Lumina-DiMOO');
    mkdirSync(download);
    writeFileSync(join(download, 'config.json'), '{"model_type": "llada"}');
    let r = await cli('make-test-checkpoint', '--out', download);
    expect([r.code, r.err.trim().split('\n').length]).toEqual([1, 1]);
    expect(r.err).toMatch(/Lumina-DiMOO is not empty .*--force/);
    expect(readdirSync(download)).toEqual(['config.json']);
    r = await cli('make-test-checkpoint', '--out', download, '--force');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(download, 'config.json'), 'utf8'))).toHaveProperty(
      'dimoo_test_checkpoint',
    );
    // Its own earlier output it simply writes again.
    r = await cli('make-test-checkpoint', '--out', download, '--shards', '2');
    expect(r.code).toBe(0);
  });
});
