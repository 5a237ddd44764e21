// The grid a text-to-image request with several images is shown as: reading order, gaps, layouts.
import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../../engine/api.js';
import { GRID_GAP, gridLayout, tileImages } from '../../engine/image/grid.js';

const solid = (width: number, height: number, value: number): RgbImage => ({
  width,
  height,
  data: new Uint8Array(width * height * 3).fill(value),
});
const pixel = (image: RgbImage, x: number, y: number) => image.data[(y * image.width + x) * 3];

describe('tileImages', () => {
  it('puts four images in reading order with gaps between them', () => {
    const grid = tileImages([solid(4, 2, 10), solid(4, 2, 20), solid(4, 2, 30), solid(4, 2, 40)]);
    expect([grid.width, grid.height]).toEqual([8 + GRID_GAP, 4 + GRID_GAP]);
    expect(pixel(grid, 0, 0)).toBe(10);
    expect(pixel(grid, 4 + GRID_GAP, 1)).toBe(20);
    expect(pixel(grid, 3, 2 + GRID_GAP)).toBe(30);
    expect(pixel(grid, grid.width - 1, grid.height - 1)).toBe(40);
    expect(pixel(grid, 4, 0)).not.toBe(10); // the gap
  });

  it('stacks two wide images and sets two tall ones side by side; three leave a cell empty', () => {
    expect(gridLayout(2, 16, 9)).toEqual({ columns: 1, rows: 2 });
    expect(gridLayout(2, 9, 16)).toEqual({ columns: 2, rows: 1 });
    expect(gridLayout(3, 8, 8)).toEqual({ columns: 2, rows: 2 });
    const three = tileImages([solid(2, 2, 50), solid(2, 2, 60), solid(2, 2, 70)]);
    expect(pixel(three, three.width - 1, three.height - 1)).not.toBe(70);
  });

  it('returns one image as it is and refuses images of different sizes', () => {
    const one = solid(3, 3, 9);
    expect(tileImages([one])).toBe(one);
    expect(() => tileImages([solid(2, 2, 1), solid(2, 4, 1)])).toThrow(RangeError);
  });
});
