import type { Attachment } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { MenuTargets } from '../../../adapters/discord/menu-targets.js';

const image = (name: string) => ({ name }) as Attachment;

describe('message menu targets', () => {
  it('keeps a menu’s images for their lifetime, then forgets them', () => {
    let now = 0;
    const targets = new MenuTargets(1000, () => now);
    targets.remember('1', [image('a.png'), image('b.png')]);
    targets.remember('2', []);
    expect(targets.imagesOf('1')?.map((a) => a.name)).toEqual(['a.png', 'b.png']);
    expect(targets.imagesOf('2')).toBeUndefined();
    now = 999;
    expect(targets.imagesOf('1')).toHaveLength(2);
    now = 1000;
    expect(targets.imagesOf('1')).toBeUndefined();
  });

  it('forgets the oldest past a thousand', () => {
    const targets = new MenuTargets();
    for (let i = 0; i <= 1000; i++) targets.remember(String(i), [image(`${i}.png`)]);
    expect(targets.imagesOf('0')).toBeUndefined();
    expect(targets.imagesOf('1')).toHaveLength(1);
    expect(targets.imagesOf('1000')).toHaveLength(1);
  });
});
