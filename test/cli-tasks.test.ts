// dimoo edit / paint / describe / batch, run in-process on a generated tiny checkpoint, plus the prompt-file
// formats and the one-line failures.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointTokenizer } from '../engine/checkpoint/tokenizer.js';
import { decodeImage, makeTestCheckpoint, readPngText } from '../engine/index.js';
import { main } from '../src/cli/main.js';
import { batchFileName, parsePromptFile } from '../src/cli/prompt-file.js';
import { describeBriefly, imagineAFox } from './cli/task-args.js';
import { cliOnTinyCheckpoint, editAHat } from './cli-on-checkpoint.js';
import { captureIo } from './doubles/cli-io.js';

const { dir, model, input, cli } = cliOnTinyCheckpoint('cli-tasks', { width: 96, height: 64, step: 11 });
const size = async (path: string) => {
  const img = await decodeImage(readFileSync(path), { maxPixels: 1e8 });
  return [img.width, img.height];
};

describe('dimoo edit / paint / describe / batch', () => {
  it('edit writes the bucket-sized PNG and reports JSON', async () => {
    const out = join(dir, 'edit.png');
    const r = await cli(...editAHat(input, '--seed', '4', '--out', out, '--json'));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect([json.width, json.height, json.seed, json.type]).toEqual([608, 416, 4, 'edit_add']);
    expect(await size(out)).toEqual([608, 416]);
  });

  it('paint runs ratio, boxes, extension and a scattered share', async () => {
    const out = join(dir, 'paint.png');
    // `dimoo paint` of the input with the prompt "sea", the region and settings given, into `out`.
    const paintSea = (...args: string[]) =>
      cli('paint', '--image', input, '--prompt', 'sea', ...args, '--out', out);
    let r = await paintSea('--outpaint', '--ratio', '1,0.5', '--steps', '2');
    expect(r.code).toBe(0);
    expect(await size(out)).toEqual([96, 64]);
    r = await paintSea('--box', '0,0,0.5,0.5', '--box', '0.5,0.5,0.5,0.5', '--steps', '2');
    expect(r.code).toBe(0);
    r = await paintSea('--extend', '0,0,0.5,0', '--steps', '2', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).width).toBe(144);
    // The bot's Vary and Upscale: a share of the cells drawn again, at the image's own size.
    r = await paintSea('--scatter', '0.3', '--steps', '2', '--json');
    expect(r.code).toBe(0);
    expect([JSON.parse(r.out).region, await size(out)]).toEqual(['scatter', [96, 64]]);
    r = await paintSea('--scatter', '1.5');
    expect(r.code).toBe(1);
    // --cache: ML-Cache, which the engine checks against the steps, as imagine's.
    r = await paintSea('--scatter', '0.3', '--steps', '2', '--cache');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/ML-Cache needs more steps/);
    r = await paintSea('--scatter', '0.3', '--steps', '12', '--cache', '--json');
    expect(r.code).toBe(0);
    expect(await size(out)).toEqual([96, 64]);
  });

  it('describe prints the answer, and with --json its token ids', async () => {
    const r = await cli(
      'describe',
      '--image',
      input,
      '--steps',
      '2',
      '--gen-length',
      '4',
      '--block-length',
      '2',
      '--json',
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { text: string; tokens: number[] };
    expect(typeof report.text).toBe('string');
    expect(report.tokens.length).toBeGreaterThan(0);
    expect(report.tokens.length).toBeLessThanOrEqual(4);
    expect(report.tokens.every((id) => Number.isInteger(id) && id >= 0)).toBe(true);
    // An answer with nothing readable (a random checkpoint's) is said on stderr; stdout stays the answer.
    expect(/no readable answer/.test(r.err)).toBe(report.text.trim() === '');
    // The ids are the answer itself: decoded as the engine decodes them, they give the text.
    const tokenizer = CheckpointTokenizer.load(model);
    expect(tokenizer.decode(report.tokens, { skipSpecial: true }).trim()).toBe(report.text);
    // --cache: the block cache, which at one step per block decodes exactly as the uncached loop.
    const args = ['--image', input, '--steps', '2', '--gen-length', '4', '--block-length', '2', '--json'];
    const cached = await cli('describe', ...args, '--cache');
    expect(cached.code).toBe(0);
    const cachedReport = JSON.parse(cached.out) as { tokens: number[]; cache: boolean };
    expect(cachedReport).toMatchObject({ tokens: report.tokens, cache: true });
    expect(report).toMatchObject({ cache: false });
  });

  it("describe says on stderr that a random checkpoint's answer is noise; an empty answer is an empty --out, exit 0", async () => {
    const out = join(dir, 'answer.txt');
    // The file's checkpoint answers something here: said to be meaningless, the answer kept as it is.
    let r = await cli(...describeBriefly(input), '--out', out);
    expect(r.code).toBe(0);
    expect(r.out.trim()).not.toBe('');
    expect(readFileSync(out, 'utf8')).toBe(r.out);
    expect(r.err).toBe(
      'dimoo describe: this answer is meaningless: the checkpoint is a random one (make-test-checkpoint), which answers noise\n',
    );
    // make-test-checkpoint's default weights answer nothing readable here (the tester's case).
    const silent = join(dir, 'silent');
    makeTestCheckpoint({ out: silent, preset: 'tiny', seed: 1 });
    const describeWith = async (modelDir: string) => {
      const io = captureIo();
      const argv = [...describeBriefly(input), '--model', modelDir, '--device', 'cpu', '--out', out];
      return { code: await main(argv, io), out: io.out(), err: io.err() };
    };
    r = await describeWith(silent);
    expect(r).toEqual({
      code: 0,
      out: '\n',
      err: 'dimoo describe: the model gave no readable answer: the checkpoint is a random one (make-test-checkpoint), which answers noise\n',
    });
    // An empty answer, an empty file: `test -s` tells it from an answer.
    expect(readFileSync(out, 'utf8')).toBe('');
    // The same weights not marked as make-test-checkpoint's: the empty answer is said, no checkpoint blamed.
    const unmarked = join(dir, 'unmarked');
    cpSync(silent, unmarked, { recursive: true });
    const config = JSON.parse(readFileSync(join(unmarked, 'config.json'), 'utf8')) as Record<string, unknown>;
    delete config.dimoo_test_checkpoint;
    writeFileSync(join(unmarked, 'config.json'), JSON.stringify(config));
    r = await describeWith(unmarked);
    expect(r).toEqual({ code: 0, out: '\n', err: 'dimoo describe: the model gave no readable answer\n' });
  });

  it('batch writes one PNG per prompt and results.json', async () => {
    const prompts = join(dir, 'prompts.jsonl');
    writeFileSync(prompts, '{"prompt": "a cat"}\n\n{"prompt": "a red dog!"}\n');
    const outDir = join(dir, 'batch');
    const r = await cli(
      'batch',
      '--prompts',
      prompts,
      '--out-dir',
      outDir,
      '--width',
      '32',
      '--height',
      '32',
      '--steps',
      '2',
      '--seed',
      '7',
    );
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(results.map((x: { prompt: string; seed: number }) => [x.prompt, x.seed])).toEqual([
      ['a cat', 7],
      ['a red dog!', 8],
    ]);
    expect(results[1].image_path).toBe('1_a_red_dog_32x32_t2_cfg4_seed8.png');
    for (const x of results) expect(existsSync(join(outDir, x.image_path))).toBe(true);
    expect(results[0].elapsed_time).toBeGreaterThan(0);
  });

  it('batch --batch-size 2 shares passes and writes the same images as one by one', async () => {
    const prompts = join(dir, 'prompts3.txt');
    writeFileSync(prompts, 'a cat\na much longer prompt about a red dog\na fox\n');
    const run = async (size: string, ...more: string[]) => {
      const outDir = join(dir, `batch-${size}${more.length}`);
      const args = ['--width', '32', '--height', '32', '--steps', '3', '--seed', '5', '--batch-size', size];
      const r = await cli('batch', '--prompts', prompts, '--out-dir', outDir, ...args, ...more);
      expect(r.code).toBe(0);
      const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as Array<{
        image_path: string;
      }>;
      return results.map((x) => readFileSync(join(outDir, x.image_path)).toString('base64'));
    };
    const grouped = await run('2');
    expect(grouped).toHaveLength(3);
    expect(grouped).toEqual(await run('1'));
    // One --negative-prompt for every image: each comes out otherwise, batched as one by one.
    const away = await run('2', '--negative-prompt', 'snow and trees');
    for (const [i, image] of away.entries()) expect(image).not.toBe(grouped[i]);
    expect(away).toEqual(await run('1', '--negative-prompt', 'snow and trees'));
  });

  it('fails with one clear line: missing file, unknown edit type, bad divisibility; usage errors exit 2', async () => {
    let r = await cli(
      'edit',
      '--image',
      join(dir, 'nope.png'),
      '--type',
      'edit_add',
      '--prompt',
      'x',
      '--out',
      join(dir, 'x.png'),
    );
    expect([r.code, r.err.trim().split('\n').length]).toEqual([1, 1]);
    expect(r.err).toMatch(/nope\.png: no such file/);
    r = await cli(
      'edit',
      '--image',
      input,
      '--type',
      'edit_all',
      '--prompt',
      'x',
      '--out',
      join(dir, 'x.png'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown edit type "edit_all"/);
    writeFileSync(join(dir, 'bad.png'), 'not an image');
    r = await cli('describe', '--image', join(dir, 'bad.png'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.png/);
    r = await cli('describe', '--image', input, '--gen-length', '10', '--block-length', '4');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/multiple of --block-length/);
    r = await cli(
      'paint',
      '--image',
      input,
      '--prompt',
      'x',
      '--ratio',
      '1,1',
      '--box',
      '0,0,1,1',
      '--out',
      join(dir, 'x.png'),
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exactly one of/);
  });
});

/** `dimoo imagine` of a 64² fox with seed 3 and --json, writing `out` in the test folder. */
const imagineJson = (steps: number, out: string, ...flags: string[]) =>
  cli(
    ...imagineAFox(64),
    '--steps',
    String(steps),
    '--seed',
    '3',
    '--out',
    join(dir, out),
    '--json',
    ...flags,
  );

describe('dimoo imagine ML-Cache parameters', () => {
  const imagine = async (...flags: string[]) => {
    const r = await imagineJson(8, 'cache.png', ...flags);
    return { ...r, tokens: r.code === 0 ? (JSON.parse(r.out) as { tokens: number[][] }).tokens : undefined };
  };

  it("the defaults are upstream's: spelled out they give what --cache gives", async () => {
    const plain = await imagine('--cache');
    expect(plain.code).toBe(0);
    const spelled = await imagine('--cache-ratio', '0.9', '--warmup-ratio', '0.3', '--refresh-interval', '5');
    expect(spelled.tokens).toEqual(plain.tokens);
  });

  it('any of them implies --cache: the engine checks refresh_interval against the steps', async () => {
    const ok = await imagine('--cache-ratio', '0.5', '--warmup-ratio', '0', '--refresh-interval', '2');
    expect(ok.code).toBe(0);
    // Without ML-Cache the engine would not look at the interval; 8 steps allow at most 8 - 2 - 1 = 5.
    const tooLong = await imagine('--refresh-interval', '6');
    expect([tooLong.code, tooLong.err.trim().split('\n').length]).toEqual([1, 1]);
    expect(tooLong.err).toMatch(/--refresh-interval must be an integer in \(1, 5\]/);
  });

  it('refuses out-of-range values with one line and the usage, exit 2', async () => {
    for (const [flags, message] of [
      [['--cache-ratio', '1'], /--cache-ratio must be in \(0, 1\), got 1/],
      [['--cache-ratio', '0'], /--cache-ratio must be in \(0, 1\)/],
      [['--warmup-ratio', '1'], /--warmup-ratio must be in \[0, 1\), got 1/],
      [['--warmup-ratio=-0.1'], /--warmup-ratio must be in \[0, 1\), got -0.1/],
      [['--refresh-interval', '1'], /--refresh-interval must be at least 2, got 1/],
      [['--refresh-interval', '2.5'], /--refresh-interval must be a whole number/],
    ] as const) {
      const r = await imagine(...flags);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toMatch(message);
    }
  });
});

describe('dimoo imagine --negative-prompt', () => {
  it('steers the image away and is written into the PNG as A1111 writes it', async () => {
    const tokens = (r: { out: string }) => (JSON.parse(r.out) as { tokens: number[][] }).tokens;
    const plain = await imagineJson(4, 'plain.png');
    const away = await imagineJson(4, 'away.png', '--negative-prompt', 'snow, trees');
    expect([plain.code, away.code]).toEqual([0, 0]);
    expect(tokens(away)).not.toEqual(tokens(plain));
    const text = readPngText(readFileSync(join(dir, 'away.png'))).parameters;
    expect(text).toMatch(/^a fox\nNegative prompt: snow, trees\nSteps: 4, CFG scale: 4, Seed: 3/);
    expect(readPngText(readFileSync(join(dir, 'plain.png'))).parameters).not.toMatch(/Negative/);
  });
});

describe('dimoo imagine --count', () => {
  it('writes the grid to --out and each image beside it, each as its own seed draws it alone', async () => {
    const r = await imagineJson(2, 'grid.png', '--count', '3');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { seed: number; images: Array<{ seed: number; out: string }> };
    expect(report.images).toEqual([
      { seed: 3, out: join(dir, 'grid-1.png') },
      { seed: 4, out: join(dir, 'grid-2.png') },
      { seed: 5, out: join(dir, 'grid-3.png') },
    ]);
    expect(await size(join(dir, 'grid.png'))).toEqual([64 * 2 + 8, 64 * 2 + 8]);
    expect(readPngText(readFileSync(join(dir, 'grid-2.png'))).parameters).toMatch(/Seed: 4/);
    // The first image is what its seed (the grid's own) draws alone, file for file.
    const alone = await imagineJson(2, 'alone.png');
    expect(alone.code).toBe(0);
    expect(readFileSync(join(dir, 'grid-1.png')).equals(readFileSync(join(dir, 'alone.png')))).toBe(true);
    const bad = await imagineJson(2, 'bad.png', '--count', '5');
    expect([bad.code, bad.err.trim().split('\n').length]).toEqual([1, 1]);
  });
});

describe('dimoo engine flags: --precision, --quant, --device-memory-gb', () => {
  const imagine = (...flags: string[]) => imagineJson(2, 'flags.png', ...flags);

  it('reach the engine, which reports what it ran', async () => {
    const r = await imagine('--precision', 'fp32', '--quant', 'int8');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ device: 'cpu', precision: 'fp32', quant: 'int8' });
  });

  it('a budget below the weights is one line and exit 1; unknown values are usage errors', async () => {
    const small = await imagine('--device-memory-gb', '0.000001');
    expect([small.code, small.err.trim().split('\n').length]).toEqual([1, 1]);
    expect(small.err).toMatch(/weights alone.*budget is/);
    for (const [flags, message] of [
      [['--quant', 'int3'], /--quant must be one of none, int8, int4, got "int3"/],
      [['--precision', 'fp8'], /--precision must be one of auto, fp16, fp32/],
      [['--device-memory-gb', 'lots'], /--device-memory-gb must be a number of gigabytes/],
    ] as const) {
      const r = await imagine(...flags);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toMatch(message);
    }
  });
});

describe('prompt files', () => {
  it('reads .jsonl, .json and .txt as upstream, refusing the wrong shapes', () => {
    expect(parsePromptFile('p.txt', 'a\n\n b \n')).toEqual(['a', 'b']);
    expect(parsePromptFile('p.json', '["a", " b"]')).toEqual(['a', 'b']);
    expect(parsePromptFile('p.jsonl', '{"prompt":"a","x":1}\n{"prompt":""}\n')).toEqual(['a']);
    expect(() => parsePromptFile('p.json', '{"prompt":"a"}')).toThrow(/JSON array of prompt strings/);
    expect(() => parsePromptFile('p.jsonl', '{"text":"a"}')).toThrow(/line 1 has no "prompt"/);
    expect(() => parsePromptFile('p.csv', 'a')).toThrow(/\.jsonl, \.json or \.txt/);
    expect(() => parsePromptFile('p.txt', '\n')).toThrow(/no prompt/);
  });

  it('names files like upstream', () => {
    expect(
      batchFileName(3, 'A cat, on a mat: 1 2 3 4 5 6 7 8', {
        width: 64,
        height: 32,
        steps: 8,
        cfg: 4,
        seed: 1,
      }),
    ).toBe('3_A_cat_on_a_mat_1_2_3_4_5_32x64_t8_cfg4_seed1.png');
  });
});
