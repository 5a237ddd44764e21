// Images that carry an ICC profile: a JPEG's in APP2 segments (one per 64 KiB, so a large profile spans many), a
// PNG's in its iCCP chunk, a WebP's in ICCP. The header judge walks a JPEG's segments by their lengths, so a profile
// is skipped whole, whatever its bytes: marker-like bytes inside it (a fake frame header naming another size, fake
// scan headers past the scan limit) neither change the size read nor count as scans. Each is then decoded through
// its profile. The profiles are made here: an sRGB-like one with a private tag holding those bytes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  jpegScanCount,
  MAX_JPEG_SCANS,
  readImageHeader,
  webpFrameCount,
} from '../../../engine/image/header.js';
import { decodeImage, judgeImage } from '../../../engine/image/io.js';

const LIMITS = { maxPixels: 40_000_000 };
const COLOUR = [200, 80, 40] as const;

/** An ICC tag's data: its type signature, four reserved bytes, then `body`. */
function tagData(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type, 'latin1'), Buffer.alloc(4), body]);
}

const s15Fixed16 = (values: number[]) => {
  const out = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) out.writeInt32BE(Math.round(v * 65536), i * 4);
  return out;
};

/**
 * A version 2 RGB display profile with sRGB's primaries (adapted to D50) and a 2.2 gamma, and a private `dmoo` tag
 * holding `junk`. Colour engines skip tags they do not know, so the profile converts as sRGB would, near enough.
 */
function iccProfile(junk: Buffer): Buffer {
  const gamma = Buffer.from([0, 0, 0, 1, 0x02, 0x33, 0, 0]); // one entry: u8Fixed8 2.2, padded
  const ascii = (text: string) => Buffer.from(`${text}\0`, 'latin1');
  const desc = (() => {
    const text = ascii('dimoo test profile');
    const count = Buffer.alloc(4);
    count.writeUInt32BE(text.length);
    // ASCII, then empty Unicode and ScriptCode descriptions (the latter a fixed 67 bytes).
    return Buffer.concat([count, text, Buffer.alloc(8), Buffer.alloc(3), Buffer.alloc(67)]);
  })();
  const tags: Array<[string, Buffer]> = [
    ['desc', tagData('desc', desc)],
    ['wtpt', tagData('XYZ ', s15Fixed16([0.9642, 1, 0.8249]))],
    ['rXYZ', tagData('XYZ ', s15Fixed16([0.4361, 0.2225, 0.0139]))],
    ['gXYZ', tagData('XYZ ', s15Fixed16([0.3851, 0.7169, 0.0971]))],
    ['bXYZ', tagData('XYZ ', s15Fixed16([0.1431, 0.0606, 0.7141]))],
    ['rTRC', tagData('curv', gamma)],
    ['gTRC', tagData('curv', gamma)],
    ['bTRC', tagData('curv', gamma)],
    ['cprt', tagData('text', ascii('no copyright'))],
    ['dmoo', tagData('data', Buffer.concat([Buffer.from([0, 0, 0, 1]), junk]))],
  ];
  const table = Buffer.alloc(4 + tags.length * 12);
  table.writeUInt32BE(tags.length);
  const bodies: Buffer[] = [];
  let offset = 128 + table.length;
  tags.forEach(([signature, data], i) => {
    const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
    table.write(signature, 4 + i * 12, 'latin1');
    table.writeUInt32BE(offset, 8 + i * 12);
    table.writeUInt32BE(data.length, 12 + i * 12);
    bodies.push(padded);
    offset += padded.length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write('mntrRGB XYZ ', 12, 'latin1');
  header.write('acsp', 36, 'latin1');
  s15Fixed16([0.9642, 1, 0.8249]).copy(header, 68);
  return Buffer.concat([header, table, ...bodies]);
}

/**
 * Bytes that look like JPEG markers to anything reading a file byte by byte: a frame header naming 30000×30000, and
 * scan headers, many more than the scan limit.
 */
function markerLikeBytes(bytes: number): Buffer {
  const fakeFrame = Buffer.from([
    0xff, 0xc0, 0, 17, 8, 0x75, 0x30, 0x75, 0x30, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0,
  ]);
  const fakeScan = Buffer.from([0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
  const pattern = Buffer.concat([fakeFrame, ...Array.from({ length: 8 }, () => fakeScan)]);
  return Buffer.concat(Array.from({ length: Math.ceil(bytes / pattern.length) }, () => pattern)).subarray(
    0,
    bytes,
  );
}

/** The payloads of a JPEG's APP2 segments that hold an ICC profile, in order (each one's own length walked). */
function iccSegments(jpeg: Buffer): Buffer[] {
  const found: Buffer[] = [];
  for (let at = 2; jpeg[at] === 0xff && jpeg[at + 1] !== 0xda; ) {
    const length = jpeg.readUInt16BE(at + 2);
    const payload = jpeg.subarray(at + 4, at + 2 + length);
    if (jpeg[at + 1] === 0xe2 && payload.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0')
      found.push(payload);
    at += 2 + length;
  }
  return found;
}

const solid = (width: number, height: number) => {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) pixels.set(COLOUR, i * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } });
};

function expectNear(actual: ArrayLike<number>, expected: readonly number[], tolerance: number) {
  for (const [i, v] of expected.entries())
    expect(Math.abs((actual[i] as number) - v), `${Array.from(actual)}`).toBeLessThanOrEqual(tolerance);
}

describe('an image with an ICC profile', () => {
  const folder = mkdtempSync(join(tmpdir(), 'dimoo-icc-'));
  /** A 300 KB profile (five APP2 segments in a JPEG) whose private tag is full of marker-like bytes. */
  const profile = iccProfile(markerLikeBytes(300_000));
  const profilePath = join(folder, 'marker-like.icc');
  writeFileSync(profilePath, profile);

  it('JPEG: spans several APP2 segments, and neither its size nor its marker-like bytes fool the judge', async () => {
    // Upright and odd-sized, so that neither side could be the fake frame's or the other's.
    for (const progressive of [false, true]) {
      const jpeg = await solid(97, 61).withIccProfile(profilePath).jpeg({ progressive }).toBuffer();
      const segments = iccSegments(jpeg);
      expect(segments.length).toBe(Math.ceil(profile.length / 65_519));
      // Segment i of n, and together exactly the profile.
      expect(segments.map((s) => [s[12], s[13]])).toEqual(segments.map((_, i) => [i + 1, segments.length]));
      expect(Buffer.concat(segments.map((s) => s.subarray(14))).equals(profile)).toBe(true);
      // Read byte by byte, the profile alone holds thousands of scan headers: walked by length, none.
      expect(jpegScanCount(profile)).toBeGreaterThan(MAX_JPEG_SCANS);
      expect(jpegScanCount(jpeg)).toBe(
        progressive ? jpegScanCount(await solid(97, 61).jpeg({ progressive }).toBuffer()) : 1,
      );
      expect(readImageHeader(jpeg)).toEqual({ format: 'jpeg', width: 97, height: 61 });
      expect(judgeImage(jpeg, LIMITS)).toEqual({ format: 'jpeg', width: 97, height: 61 });
      const image = await decodeImage(jpeg, LIMITS);
      expect([image.width, image.height]).toEqual([97, 61]);
      // Converted into the profile when written, and back out of it when decoded.
      expectNear(image.data.subarray(0, 3), COLOUR, 8);
      expect((await sharp(jpeg).metadata()).icc?.equals(profile)).toBe(true);
    }
  });

  it('JPEG: a CMYK one with a press profile of nearly 1 MB (15 APP2 segments) is read and decoded', async () => {
    const jpeg = await solid(64, 40).withIccProfile('cmyk').jpeg().toBuffer();
    expect(iccSegments(jpeg).length).toBeGreaterThanOrEqual(10);
    expect(judgeImage(jpeg, LIMITS)).toEqual({ format: 'jpeg', width: 64, height: 40 });
    expect(jpegScanCount(jpeg)).toBe(1);
    const image = await decodeImage(jpeg, LIMITS);
    expect([image.width, image.height]).toEqual([64, 40]);
    expectNear(image.data.subarray(0, 3), COLOUR, 8);
  });

  it('JPEG: a broken profile (a segment missing, garbage, cut short) is passed over, the pixels decoded as they are', async () => {
    const jpeg = await solid(40, 30).jpeg().toBuffer();
    const app2 = (seq: number, count: number, data: Buffer) => {
      const head = Buffer.from([0xff, 0xe2, 0, 0]);
      head.writeUInt16BE(2 + 14 + data.length, 2);
      return Buffer.concat([head, Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([seq, count]), data]);
    };
    const within = (...segments: Buffer[]) =>
      Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
    for (const [what, bytes] of [
      [
        'segment 2 of 3 missing',
        within(app2(1, 3, profile.subarray(0, 60_000)), app2(3, 3, profile.subarray(60_000, 120_000))),
      ],
      ['garbage', within(app2(1, 1, Buffer.alloc(500, 7)))],
      ['cut short', within(app2(1, 1, profile.subarray(0, 300)))],
    ] as const) {
      expect(judgeImage(bytes, LIMITS), what).toEqual({ format: 'jpeg', width: 40, height: 30 });
      const image = await decodeImage(bytes, LIMITS);
      // The JPEG's own rounding: no profile shifted it.
      expectNear(image.data.subarray(0, 3), COLOUR, 8);
    }
  });

  it('PNG (iCCP) and WebP (ICCP): the size from their headers, decoded through the profile', async () => {
    const png = await solid(97, 61).withIccProfile(profilePath).png().toBuffer();
    const webp = await solid(97, 61).withIccProfile(profilePath).webp({ lossless: true }).toBuffer();
    expect(png.includes(Buffer.from('iCCP'))).toBe(true);
    expect(webp.includes(Buffer.from('ICCP'))).toBe(true);
    expect(webpFrameCount(webp)).toBe(0);
    for (const [format, bytes] of [
      ['png', png],
      ['webp', webp],
    ] as const) {
      expect(judgeImage(bytes, LIMITS), format).toEqual({ format, width: 97, height: 61 });
      const image = await decodeImage(bytes, LIMITS);
      expect([image.width, image.height], format).toEqual([97, 61]);
      expectNear(image.data.subarray(0, 3), COLOUR, 4);
    }
  });
});
