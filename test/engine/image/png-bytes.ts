// PNG files written byte by byte, so a test or bench can claim any size in the header (a decompression bomb's
// shape) without a decoder or encoder making the pixels.
import { crc32, deflateSync } from 'node:zlib';

/** One PNG chunk: length, type, body, CRC of type and body. */
function pngChunk(type: string, body: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/**
 * The PNG signature and an IHDR claiming `width × height` 8-bit RGB, one IDAT of `rows` deflated, then `end`
 * (an IEND chunk unless given): the rows need not fill the size the header claims.
 */
export function pngClaiming(
  width: number,
  height: number,
  rows: Uint8Array,
  end: Uint8Array = pngChunk('IEND', Buffer.alloc(0)),
): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(rows)),
    end,
  ]);
}
