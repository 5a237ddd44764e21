// The Telegram adapter's local rules: per-chat pacing of edits, photo limits, album collection.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlbumCollector } from '../../../adapters/telegram/albums.js';
import { ChatPacer } from '../../../adapters/telegram/pacing.js';
import { fitsAsPhoto, pngDimensions } from '../../../adapters/telegram/photo-limits.js';

/** The first 24 bytes of a PNG claiming `width`×`height`, padded to `length`. */
function pngHeader(width: number, height: number, length = 64): Uint8Array {
  const bytes = Buffer.alloc(length);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 0);
  bytes.write('IHDR', 12, 'ascii');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes;
}

describe('ChatPacer', () => {
  it('spaces edits per chat by chat type, and gives two chats different instants', () => {
    let now = 0;
    const pacer = new ChatPacer({ privateMs: 1000, groupMs: 3000, globalMs: 40 }, () => now);
    expect(pacer.reserve(1, false)).toBe(0);
    expect(pacer.reserve(1, false)).toBe(1000);
    expect(pacer.reserve(1, false)).toBe(2000);
    // Another chat is not held up by chat 1's queue, only kept off its instants.
    expect(pacer.reserve(-5, true)).toBe(40);
    expect(pacer.reserve(-5, true)).toBe(3040);
    expect(pacer.reserve(2, false)).toBe(80);
    now = 10_000;
    expect(pacer.reserve(1, false)).toBe(0);
  });

  it('keeps later edits a gap away from a message sent without waiting', () => {
    let now = 0;
    const pacer = new ChatPacer({ privateMs: 1000, groupMs: 3000, globalMs: 0 }, () => now);
    pacer.note(-7, true);
    now = 1000;
    expect(pacer.reserve(-7, true)).toBe(2000);
  });
});

describe('photo limits', () => {
  it('reads PNG dimensions and refuses what sendPhoto would', () => {
    expect(pngDimensions(pngHeader(640, 480))).toEqual({ width: 640, height: 480 });
    expect(pngDimensions(Buffer.from('not a png at all, not at all'))).toBeUndefined();
    expect(fitsAsPhoto(pngHeader(1024, 1024))).toBe(true);
    expect(fitsAsPhoto(pngHeader(5000, 5000))).toBe(true);
    expect(fitsAsPhoto(pngHeader(5001, 5000))).toBe(false); // width + height > 10000
    expect(fitsAsPhoto(pngHeader(2000, 100))).toBe(true); // ratio 20
    expect(fitsAsPhoto(pngHeader(2001, 100))).toBe(false);
    expect(fitsAsPhoto(pngHeader(512, 512, 10 * 1024 * 1024 + 1))).toBe(false);
  });
});

describe('AlbumCollector', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands over an album once it is quiet, items in message order, albums apart', () => {
    vi.useFakeTimers();
    const albums: string[][] = [];
    const collector = new AlbumCollector<string>(500, (items) => albums.push(items));
    collector.add('chat:1', 11, 'mask');
    collector.add('chat:2', 3, 'other');
    vi.advanceTimersByTime(400);
    collector.add('chat:1', 10, 'image');
    vi.advanceTimersByTime(400);
    expect(albums).toEqual([['other']]);
    vi.advanceTimersByTime(200);
    expect(albums).toEqual([['other'], ['image', 'mask']]);
    collector.add('chat:3', 1, 'dropped');
    collector.clear();
    vi.advanceTimersByTime(1000);
    expect(albums).toHaveLength(2);
  });
});
