import { describe, expect, it } from 'vitest';
import { upscaledSize } from '../../commands/upscale-size.js';

describe('upscaledSize', () => {
  it('takes the long side to 1024 and keeps the shape in whole 16-pixel cells', () => {
    expect(upscaledSize({ width: 512, height: 512 })).toEqual({ width: 1024, height: 1024 });
    expect(upscaledSize({ width: 688, height: 384 })).toEqual({ width: 1024, height: 576 });
    expect(upscaledSize({ width: 384, height: 688 })).toEqual({ width: 576, height: 1024 });
    expect(upscaledSize({ width: 768, height: 768 })).toEqual({ width: 1024, height: 1024 });
    expect(upscaledSize({ width: 256, height: 256 })).toEqual({ width: 1024, height: 1024 });
  });

  it('offers nothing for a picture that would grow less than 1.25× per side, or is larger already', () => {
    expect(upscaledSize({ width: 816, height: 816 })).toEqual({ width: 1024, height: 1024 });
    expect(upscaledSize({ width: 832, height: 832 })).toBeUndefined();
    expect(upscaledSize({ width: 1024, height: 256 })).toBeUndefined();
    expect(upscaledSize({ width: 1024, height: 576 })).toBeUndefined();
    expect(upscaledSize({ width: 2000, height: 1500 })).toBeUndefined();
  });
});
