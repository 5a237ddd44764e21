import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineError, type RgbImage } from '../../../engine/api.js';
import {
  boxesMask,
  cellsToPixelMask,
  dilateCells,
  extensionCells,
  maskImageToPixelMask,
  pasteBack,
  pixelMaskToCells,
  planExtension,
  planPaint,
  ratioMask,
} from '../../../engine/paint/mask.js';

/** Cells as a row-major list of "r,c" strings, for readable expectations. */
function cellSet(cells: Uint8Array, cols: number): string[] {
  const out: string[] = [];
  cells.forEach((v, i) => {
    if (v) out.push(`${Math.floor(i / cols)},${i % cols}`);
  });
  return out;
}

function rectCells(r0: number, r1: number, c0: number, c1: number): string[] {
  const out: string[] = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) out.push(`${r},${c}`);
  return out;
}

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('bad_request');
    return (err as EngineError).message;
  }
  throw new Error('expected bad_request');
}

function solid(width: number, height: number, v: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(v) };
}

describe('ratio rectangles (upstream encode_img_with_paint)', () => {
  const cases = JSON.parse(
    readFileSync(new URL('../../fixtures/engine/paint-ratio-torch.json', import.meta.url), 'utf8'),
  ) as Array<{ W: number; H: number; hr: number; wr: number; mode: 'inpaint' | 'outpaint'; cells: number[] }>;

  it.each(cases)('$mode $hr×$wr on $W×$H equals upstream’s torch cells', ({ W, H, hr, wr, mode, cells }) => {
    const kind = mode === 'inpaint' ? 'inpaint_ratio' : 'outpaint_ratio';
    const plan = planPaint({ kind, hRatio: hr, wRatio: wr }, { width: W, height: H });
    expect(plan.canvas).toEqual({ width: W - (W % 16), height: H - (H % 16) });
    expect(Array.from(plan.cells)).toEqual(cells);
  });

  it('centre quarter of 256² is cells 4..11 × 4..11', () => {
    const m = ratioMask({ width: 256, height: 256 }, { width: 256, height: 256 }, 0.5, 0.5, 'inpaint');
    expect(cellSet(pixelMaskToCells(m, { rows: 16, cols: 16 }), 16)).toEqual(rectCells(4, 11, 4, 11));
  });

  it('default 1 × 0.2 strip of 512²: columns 13..18 regenerate, outpaint keeps them', () => {
    const grid = { rows: 32, cols: 32 };
    const inpaint = planPaint({ kind: 'inpaint_ratio', hRatio: 1, wRatio: 0.2 }, { width: 512, height: 512 });
    expect(cellSet(inpaint.cells, 32)).toEqual(rectCells(0, 31, 13, 18));
    const outpaint = planPaint(
      { kind: 'outpaint_ratio', hRatio: 1, wRatio: 0.2 },
      { width: 512, height: 512 },
    );
    for (let i = 0; i < grid.rows * grid.cols; i++) expect(outpaint.cells[i]).toBe(1 - inpaint.cells[i]!);
  });

  it('refuses ratios outside (0, 1]', () => {
    expect(
      badRequest(() =>
        planPaint({ kind: 'inpaint_ratio', hRatio: 0, wRatio: 0.5 }, { width: 64, height: 64 }),
      ),
    ).toMatch(/height ratio must be a number in \(0, 1\]/);
    badRequest(() =>
      planPaint({ kind: 'inpaint_ratio', hRatio: 0.5, wRatio: 1.5 }, { width: 64, height: 64 }),
    );
  });

  it('refuses an outpaint that keeps everything', () => {
    expect(
      badRequest(() =>
        planPaint({ kind: 'outpaint_ratio', hRatio: 1, wRatio: 1 }, { width: 64, height: 64 }),
      ),
    ).toMatch(/covers no whole 16×16 cell/);
  });
});

describe('boxes', () => {
  it('maps fractions to exact cells and unions several boxes', () => {
    const plan = planPaint(
      {
        kind: 'boxes',
        boxes: [
          { x: 0.25, y: 0, w: 0.5, h: 0.25 },
          { x: 0.875, y: 0.875, w: 0.125, h: 0.125 },
        ],
      },
      { width: 256, height: 256 },
    );
    expect(cellSet(plan.cells, 16)).toEqual(
      [...rectCells(0, 3, 4, 11), ...rectCells(14, 15, 14, 15)].sort(byCell),
    );
  });

  it('takes a box to the very edge, with the slack of fractions typed with few digits', () => {
    const m = boxesMask({ width: 64, height: 64 }, [{ x: 0.5, y: 0.333, w: 0.5, h: 0.66705 }]);
    expect(cellSet(pixelMaskToCells(m, { rows: 4, cols: 4 }), 4)).toEqual(rectCells(1, 3, 2, 3));
  });

  it.each([
    [{ x: 0.5, y: 0.5, w: 1, h: 1 }, /runs past the image/],
    [{ x: -0.1, y: 0, w: 0.5, h: 0.5 }, /runs past the image/],
    [{ x: 1.2, y: 0, w: 0.5, h: 0.5 }, /lies outside the image/],
    [{ x: -0.8, y: 0, w: 0.5, h: 0.5 }, /lies outside the image/],
    [{ x: 0.1, y: 0.1, w: 0, h: 0.5 }, /is empty/],
    [{ x: 0.1, y: 0.1, w: 0.2, h: -1 }, /is empty/],
    [{ x: Number.NaN, y: 0.1, w: 0.2, h: 0.2 }, /not a number/],
  ])('refuses box %j', (box, message) => {
    expect(badRequest(() => boxesMask({ width: 64, height: 64 }, [box]))).toMatch(message);
  });

  it('refuses an empty box list and a box smaller than half a cell', () => {
    badRequest(() => boxesMask({ width: 64, height: 64 }, []));
    expect(
      badRequest(() =>
        planPaint({ kind: 'boxes', boxes: [{ x: 0, y: 0, w: 0.03, h: 0.03 }] }, { width: 256, height: 256 }),
      ),
    ).toMatch(/too small/);
  });
});

function byCell(a: string, b: string): number {
  const [ar, ac] = a.split(',').map(Number) as [number, number];
  const [br, bc] = b.split(',').map(Number) as [number, number];
  return ar - br || ac - bc;
}

describe('mask images', () => {
  function maskWithWhiteRect(width: number, height: number, x0: number, y0: number, x1: number, y1: number) {
    const img = solid(width, height, 0);
    for (let y = y0; y < y1; y++) img.data.fill(255, (y * width + x0) * 3, (y * width + x1) * 3);
    return img;
  }

  it('white = regenerate, cell by cell', () => {
    const plan = planPaint(
      { kind: 'mask', mask: maskWithWhiteRect(64, 64, 16, 16, 48, 32) },
      { width: 64, height: 64 },
    );
    expect(cellSet(plan.cells, 4)).toEqual(rectCells(1, 1, 1, 2));
  });

  it('resizes a mask of another size onto the image', () => {
    const plan = planPaint(
      { kind: 'mask', mask: maskWithWhiteRect(32, 32, 0, 0, 16, 16) },
      { width: 64, height: 64 },
    );
    expect(cellSet(plan.cells, 4)).toEqual(rectCells(0, 1, 0, 1));
  });

  it('needs more than half of a cell covered (strict > 0.5)', () => {
    const half = maskWithWhiteRect(32, 16, 0, 0, 8, 16); // exactly half of cell (0,0)
    expect(
      Array.from(
        pixelMaskToCells(maskImageToPixelMask(half, { width: 32, height: 16 }), { rows: 1, cols: 2 }),
      ),
    ).toEqual([0, 0]);
    const more = maskWithWhiteRect(32, 16, 0, 0, 9, 16);
    expect(
      Array.from(
        pixelMaskToCells(maskImageToPixelMask(more, { width: 32, height: 16 }), { rows: 1, cols: 2 }),
      ),
    ).toEqual([1, 0]);
  });

  it('refuses an all-black mask', () => {
    expect(
      badRequest(() => planPaint({ kind: 'mask', mask: solid(64, 64, 0) }, { width: 64, height: 64 })),
    ).toMatch(/mask is empty/);
  });
});

describe('canvas extension (zoom-out and pan)', () => {
  it('pans left by half: a 128-pixel strip of new cells', () => {
    const plan = planPaint(
      { kind: 'extend', left: 0.5, top: 0, right: 0, bottom: 0 },
      { width: 256, height: 256 },
    );
    expect(plan.canvas).toEqual({ width: 384, height: 256 });
    expect(plan.place).toEqual({ left: 128, top: 0, width: 256, height: 256 });
    expect(cellSet(plan.cells, 24)).toEqual(rectCells(0, 15, 0, 7));
  });

  it('zooms out within a pixel budget: the picture shrinks into the middle of a same-size canvas', () => {
    const plan = planExtension(
      { width: 256, height: 256 },
      { left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 },
      { maxPixels: 256 * 256 },
    );
    expect(plan.place).toEqual({ left: 48, top: 48, width: 160, height: 160 });
    expect(plan.canvas).toEqual({ width: 256, height: 256 });
    const cells = extensionCells(plan);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(256 - 100);
    expect(cells[3 * 16 + 3]).toBe(0);
    expect(cells[2 * 16 + 3]).toBe(1);
  });

  it('extends a side by at least one cell, the source at its own size and the canvas in whole cells', () => {
    // 200×120 is 13×8 cells, 8 pixels of each side's last cell left over: drawn on the grown side (the top).
    const plan = planExtension({ width: 200, height: 120 }, { left: 0, top: 0.01, right: 0.3, bottom: 0 });
    expect(plan.place).toEqual({ left: 0, top: 16 + 8, width: 200, height: 120 });
    expect(plan.canvas).toEqual({ width: 208 + 64, height: 16 + 128 });
    expect(plan.result).toEqual({ left: 0, top: 0, ...plan.canvas });
    // Cells the source only partly covers are drawn: the top row of its cells and its last column.
    const cells = extensionCells(plan);
    const cols = plan.canvas.width / 16;
    expect(cells[1 * cols + 0]).toBe(1);
    expect(cells[2 * cols + 0]).toBe(0);
    expect(cells[2 * cols + 11]).toBe(0);
    expect(cells[2 * cols + 12]).toBe(1);
  });

  it('cuts the left-over part of a cell from the result on an axis grown neither way', () => {
    const plan = planExtension({ width: 400, height: 300 }, { left: 0, top: 0, right: 0.5, bottom: 0 });
    expect(plan.canvas).toEqual({ width: 400 + 208, height: 304 });
    expect(plan.place).toEqual({ left: 0, top: 0, width: 400, height: 300 });
    expect(plan.result).toEqual({ left: 0, top: 0, width: 608, height: 300 });
    // A zoom shares it between the grown sides, so the picture stays in the middle.
    const zoom = planExtension(
      { width: 400, height: 300 },
      { left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 },
    );
    expect(zoom.place).toEqual({ left: 96, top: 80 + 2, width: 400, height: 300 });
    expect(zoom.canvas).toEqual({ width: 96 + 400 + 96, height: 80 + 304 + 80 });
    expect(zoom.result).toEqual({ left: 0, top: 0, ...zoom.canvas });
  });

  it.each([
    [{ left: 0, top: 0, right: 0, bottom: 0 }, /extension is empty/],
    [{ left: -0.1, top: 0, right: 0, bottom: 0 }, /left extension must be/],
    [{ left: 0, top: 3, right: 0, bottom: 0 }, /top extension must be/],
  ])('refuses %j', (extend, message) => {
    expect(badRequest(() => planExtension({ width: 64, height: 64 }, extend))).toMatch(message);
  });
});

describe('dilation', () => {
  it('grows the region by k cells in every direction, clipped at the edges', () => {
    const grid = { rows: 5, cols: 5 };
    const cells = new Uint8Array(25);
    cells[0] = 1;
    cells[12] = 1;
    expect(cellSet(dilateCells(cells, grid, 1), 5)).toEqual(
      [...rectCells(0, 1, 0, 1), ...rectCells(1, 3, 1, 3)]
        .filter((v, i, a) => a.indexOf(v) === i)
        .sort(byCell),
    );
    expect(dilateCells(cells, grid, 0)).toBe(cells);
    expect(
      planPaint(
        { kind: 'boxes', boxes: [{ x: 0.5, y: 0.5, w: 0.25, h: 0.25 }] },
        { width: 64, height: 64 },
        { dilate: 1 },
      ).cells.reduce((a, b) => a + b, 0),
    ).toBe(9);
  });
});

describe('paste-back', () => {
  const W = 96;
  const H = 64;
  const original: RgbImage = {
    width: W,
    height: H,
    data: Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7) % 256),
  };
  const generated = solid(W, H, 200);
  const cells = new Uint8Array(6 * 4);
  cells[1 * 6 + 2] = 1;
  cells[1 * 6 + 3] = 1; // pixels x 32..63, y 16..31
  const mask = cellsToPixelMask(cells, { rows: 4, cols: 6 });

  it('keeps every pixel beyond the feather outside the mask byte for byte', () => {
    const feather = 4;
    const out = pasteBack(original, generated, mask, feather);
    let outside = 0;
    let inside = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const dx = x < 32 ? 32 - x : x > 63 ? x - 63 : 0;
        const dy = y < 16 ? 16 - y : y > 31 ? y - 31 : 0;
        const far = Math.max(dx, dy) > feather;
        const deep = x >= 32 + feather && x <= 63 - feather && y >= 16 + feather && y <= 31 - feather;
        for (let ch = 0; ch < 3; ch++) {
          const i = (y * W + x) * 3 + ch;
          if (far) {
            expect(out.data[i]).toBe(original.data[i]);
            outside++;
          }
          if (deep) {
            expect(out.data[i]).toBe(200);
            inside++;
          }
        }
      }
    }
    expect(outside).toBeGreaterThan(0);
    expect(inside).toBeGreaterThan(0);
    // the edge is a blend, neither image alone
    const edge = (20 * W + 32) * 3;
    expect(out.data[edge]).not.toBe(original.data[edge]);
    expect(out.data[edge]).not.toBe(200);
  });

  it('feather 0 is a hard cut exactly at the mask', () => {
    const out = pasteBack(original, generated, mask, 0);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        const m = x >= 32 && x < 64 && y >= 16 && y < 32;
        expect(out.data[i]).toBe(m ? 200 : original.data[i]);
      }
    }
  });

  it('refuses images of different sizes', () => {
    expect(() => pasteBack(original, solid(W, H + 16, 0), mask)).toThrow(/sizes differ/);
  });
});
