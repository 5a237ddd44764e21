// How long a hostile or odd image costs before the bot answers: the image-input path of the commands
// (`acceptImage`: header judgement, then decode) on a 100000² PNG header bomb, 4000×1 / 1×4000 / 4000×40 strips,
// an SVG, and an ordinary 1024² photo-sized PNG for scale. CPU time (user + system) per answer, median of runs.
//   node --import tsx bench/image-judge.ts [--runs 20]
// Writes bench/results/image-judge.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { acceptImage } from '../commands/inputs.js';
import { pngClaiming } from '../test/engine/image/png-bytes.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const RUNS = Number(values.runs);
const LIMITS = { maxInputBytes: 20 * 1024 * 1024, maxInputPixels: 40_000_000 };

/** A complete, valid PNG of `width × height` black RGB pixels (zlib shrinks the rows to almost nothing). */
const blackPng = (width: number, height: number) =>
  pngClaiming(width, height, Buffer.alloc((width * 3 + 1) * height));

/** A header claiming `width × height`, as a bomb sends it (the body never needs to exist). */
const bombHeader = (width: number, height: number) => pngClaiming(width, height, Buffer.alloc(1 << 16));

const photo = await sharp({
  create: { width: 1024, height: 1024, channels: 3, background: { r: 40, g: 90, b: 200 } },
})
  .png()
  .toBuffer();
const cases: Record<string, Uint8Array> = {
  header_bomb_100000x100000: bombHeader(100_000, 100_000),
  strip_4000x1: blackPng(4000, 1),
  strip_1x4000: blackPng(1, 4000),
  strip_4000x40: blackPng(4000, 40),
  svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="1"/>'),
  ordinary_png_1024x1024: photo,
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, unknown> = {};
for (const [name, bytes] of Object.entries(cases)) {
  const cpuMs: number[] = [];
  const wallMs: number[] = [];
  let answer = '';
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    answer = await acceptImage({ data: bytes }, 'input', LIMITS).then(
      (a) => `accepted ${a.image.width}×${a.image.height}`,
      (e: unknown) => `refused: ${(e as { code?: string }).code ?? String(e)}`,
    );
    wallMs.push(performance.now() - wall);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  results[name] = {
    bytes: bytes.length,
    answer,
    cpu_ms_median: Number(median(cpuMs).toFixed(3)),
    cpu_ms_max: Number(Math.max(...cpuMs).toFixed(3)),
    wall_ms_median: Number(median(wallMs).toFixed(3)),
  };
  process.stdout.write(`${name}: ${answer}, CPU ${median(cpuMs).toFixed(2)} ms median\n`);
}

mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/image-judge.json', import.meta.url),
  `${JSON.stringify(
    {
      benchmark: 'image-judge',
      date: new Date().toISOString(),
      command: `npm run bench -- image-judge --runs ${RUNS}`,
      note: 'commands/inputs.ts acceptImage: header judged (format, pixels, smallest side 8, aspect 8:1) before sharp decodes; before this, 4000×1 was decoded and later resized to cover a bucket (10–90 s of CPU) and the bomb relied on sharp’s error text',
      limits: LIMITS,
      runs: RUNS,
      results,
    },
    null,
    2,
  )}\n`,
);
