// An image output's format follows its name: `--out fox.jpg` holds JPEG bytes, not a PNG under a .jpg name; a name
// the CLI cannot write (.gif, .txt, none) is refused before the model loads, in one line, nothing written.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { encodeOutput } from '../src/cli/output-format.js';
import { imagineAFox } from './cli/task-args.js';
import { cliOnTinyCheckpoint, editAHat } from './cli-on-checkpoint.js';
import { captureIo } from './doubles/cli-io.js';

const { dir, input, cli } = cliOnTinyCheckpoint('cli-format', { width: 64, height: 64, step: 7 });

const imagine = (out: string, ...flags: string[]) =>
  cli(...imagineAFox(64), '--steps', '2', '--seed', '3', '--out', out, ...flags);

const formatOf = async (path: string) => (await sharp(readFileSync(path)).metadata()).format;

/** XMP's dc:description (default language), as an XML reader gives it: references resolved. */
function descriptionOf(xmp: string | undefined): string | undefined {
  const li = xmp?.match(/<dc:description>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">([^<]*)<\/rdf:li>/)?.[1];
  return li
    ?.replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('the format of an image output follows its name', () => {
  it('imagine writes PNG, JPEG and WebP by the extension, the parameters kept in each', async () => {
    for (const [name, format] of [
      ['fox.png', 'png'],
      ['fox.jpg', 'jpeg'],
      ['fox.JPEG', 'jpeg'],
      ['fox.webp', 'webp'],
    ] as const) {
      const out = join(dir, name);
      const r = await imagine(out);
      expect([name, r.code, r.err]).toEqual([name, 0, expect.stringMatching(/^wrote /)]);
      expect([name, await formatOf(out)]).toEqual([name, format]);
    }
    const exif = (await sharp(readFileSync(join(dir, 'fox.jpg'))).metadata()).exif;
    expect(exif?.toString('latin1')).toMatch(/a fox\nSteps: 2/);
  });

  it('a JPEG or WebP keeps a Korean or Japanese prompt whole (XMP, UTF-8), and no "??" copy of it', async () => {
    const prompt = '여우 한 마리 — 雪の狐 <a & b>';
    for (const name of ['unicode.jpg', 'unicode.webp']) {
      const out = join(dir, name);
      const r = await cli(
        'imagine',
        '--prompt',
        prompt,
        ...['--width', '64', '--height', '64', '--steps', '2', '--seed', '3', '--out', out],
      );
      expect([name, r.code]).toEqual([name, 0]);
      const meta = await sharp(readFileSync(out)).metadata();
      expect([name, descriptionOf(meta.xmpAsString)]).toEqual([name, expect.stringMatching(/^.*\nSteps: 2/)]);
      expect(descriptionOf(meta.xmpAsString)?.split('\n')[0]).toBe(prompt);
      // libvips writes EXIF strings as ASCII: a copy there would be "?? ? ??".
      expect([name, meta.exif?.toString('latin1').includes('Steps: 2') ?? false]).toEqual([name, false]);
    }
  });

  it('an ASCII prompt is in the EXIF ImageDescription too, and in XMP', async () => {
    const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) };
    for (const format of ['jpeg', 'webp'] as const) {
      const meta = await sharp(Buffer.from(await encodeOutput(image, format, 'a fox\nSteps: 2'))).metadata();
      expect([format, meta.exif?.toString('latin1')]).toEqual([
        format,
        expect.stringMatching(/a fox\nSteps: 2/),
      ]);
      expect([format, descriptionOf(meta.xmpAsString)]).toEqual([format, 'a fox\nSteps: 2']);
    }
  });

  it('XMP keeps a carriage return, and a character XML cannot hold is U+FFFD, not a broken packet', async () => {
    const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(90) };
    const bytes = await encodeOutput(image, 'webp', 'a\r\nb\u0001c ]]> 雪');
    const meta = await sharp(Buffer.from(bytes)).metadata();
    expect(descriptionOf(meta.xmpAsString)).toBe('a\r\nb\ufffdc ]]> 雪');
  });

  it("imagine --count writes the grid's images beside it in the grid's format", async () => {
    const r = await imagine(join(dir, 'grid.jpg'), '--count', '2');
    expect(r.code).toBe(0);
    for (const name of ['grid.jpg', 'grid-1.jpg', 'grid-2.jpg'])
      expect(await formatOf(join(dir, name))).toBe('jpeg');
    // Every file written is named, each image with the seed that draws it alone.
    expect(r.err).toMatch(
      /^wrote .*grid\.jpg \(a grid of 2, .*\)\nwrote .*grid-1\.jpg \(seed \d+\)\nwrote .*grid-2\.jpg \(seed \d+\)\n$/,
    );
  });

  it('edit and paint write the format their --out names', async () => {
    const edit = join(dir, 'edit.webp');
    let r = await cli(...editAHat(input, '--out', edit));
    expect(r.code).toBe(0);
    expect(await formatOf(edit)).toBe('webp');
    const paint = join(dir, 'paint.jpeg');
    r = await cli(
      'paint',
      '--image',
      input,
      '--prompt',
      'sea',
      '--scatter',
      '0.3',
      '--steps',
      '2',
      '--out',
      paint,
    );
    expect(r.code).toBe(0);
    expect(await formatOf(paint)).toBe('jpeg');
  });

  it('a name it cannot write is refused in one line before the model loads, nothing written', async () => {
    const empty = mkdtempSync(join(dir, 'refused-'));
    // A model folder that does not exist: were the model opened first, its failure would be the line instead.
    const refuse = async (command: string, ...args: string[]) => {
      const io = captureIo();
      const code = await main(
        [command, ...args, '--model', join(dir, 'no-model'), '--device', 'cpu', '--json'],
        io,
      );
      return { code, err: io.err(), out: io.out() };
    };
    for (const [name, said] of [
      ['fox.gif', 'ends in ".gif"'],
      ['fox.txt', 'ends in ".txt"'],
      ['fox', 'has no extension'],
    ] as const) {
      const out = join(empty, name);
      const expected = `--out ${out} ${said}; an image is written as .png, .jpg, .jpeg or .webp (the name picks the format)`;
      for (const [command, args] of [
        ['imagine', ['--prompt', 'a fox']],
        ['edit', ['--image', input, '--prompt', 'add a hat']],
        ['paint', ['--image', input, '--prompt', 'sea', '--scatter', '0.3']],
      ] as const) {
        const r = await refuse(command, ...args, '--out', out);
        expect([command, name, r.code, r.err]).toEqual([command, name, 1, `dimoo ${command}: ${expected}\n`]);
        expect(JSON.parse(r.out)).toEqual({ error: { code: 'output_format', message: expected } });
      }
    }
    expect(readdirSync(empty)).toEqual([]);
    expect(existsSync(join(dir, 'no-model'))).toBe(false);
  });
});
