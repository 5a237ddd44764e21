// Images that cost a decoder far more than their size, written byte by byte: a progressive JPEG of many scans and an
// animated WebP of many frames. Both are valid files their decoders read, so a refusal of them is the judge's.
import sharp from 'sharp';

/**
 * A grey progressive JPEG of `side`² whose first scan sets every DC coefficient and whose `scans - 1` further
 * scans each pass over every block to say "no AC coefficients" in a few bytes: a valid file libjpeg decodes,
 * spending a full-image pass on each scan.
 */
export function manyScans(scans: number, side: number): Buffer {
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 255,
    ...body,
  ];
  const blocks = (side / 8) ** 2;
  const emptyAc = [
    ...segment(0xda, [1, 1, 0x00, 1, 63, 0x00]),
    ...new Array(Math.ceil((Math.ceil(blocks / 16384) * 15) / 8)).fill(0),
  ];
  return Buffer.concat([
    Buffer.from([
      0xff,
      0xd8,
      ...segment(0xdb, [0x00, ...new Array(64).fill(1)]),
      ...segment(0xc2, [8, side >> 8, side & 255, side >> 8, side & 255, 1, 1, 0x11, 0]),
      // DC: one 1-bit code for "no difference"; AC: one 1-bit code for a run of 2^14 + (14 bits) empty blocks.
      ...segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0x00]),
      ...segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0xe0]),
      ...segment(0xda, [1, 1, 0x00, 0, 0, 0x00]),
    ]),
    Buffer.alloc(Math.ceil(blocks / 8)),
    ...Array.from({ length: scans - 1 }, () => Buffer.from(emptyAc)),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** An animated WebP of `frames` copies of one small lossless frame, its chunks written out by hand. */
export async function manyFrames(frames: number, side = 16): Promise<Buffer> {
  const still = await sharp(Buffer.alloc(side * side * 3, 100), {
    raw: { width: side, height: side, channels: 3 },
  })
    .webp({ lossless: true })
    .toBuffer();
  const chunk = (name: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.write(name, 'latin1');
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length & 1)]);
  };
  const le24 = (v: number) => Buffer.from([v & 255, (v >> 8) & 255, v >> 16]);
  const vp8l = still.subarray(12); // the still's one chunk
  const frame = chunk(
    'ANMF',
    Buffer.concat([le24(0), le24(0), le24(side - 1), le24(side - 1), le24(40), Buffer.from([0]), vp8l]),
  );
  const body = Buffer.concat([
    Buffer.from('WEBP'),
    chunk('VP8X', Buffer.concat([Buffer.from([0x02, 0, 0, 0]), le24(side - 1), le24(side - 1)])), // animated
    chunk('ANIM', Buffer.alloc(6)),
    ...Array.from({ length: frames }, () => frame),
  ]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF'), size, body]);
}
