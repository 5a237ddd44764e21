// Generation parameters inside a PNG, where image tools look for them: a `parameters` text chunk in the format
// AUTOMATIC1111 writes (the prompt, then one line of `Key: value` pairs). Chunks are inserted before IEND; the
// pixels are untouched. Latin-1 text goes in `tEXt`; anything else (a Chinese prompt) in uncompressed `iTXt`.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function isLatin1(text: string): boolean {
  return /^[\n\x20-\x7e\xa0-\xff]*$/.test(text);
}

function textChunk(keyword: string, text: string): Uint8Array {
  if (isLatin1(text))
    return chunk('tEXt', Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(text, 'latin1')]));
  // iTXt: keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text.
  return chunk(
    'iTXt',
    Buffer.concat([Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1'), Buffer.from(text, 'utf8')]),
  );
}

/** The PNG with a text chunk per entry added before IEND. Throws on bytes that are not a PNG. */
export function withPngText(png: Uint8Array, entries: Record<string, string>): Uint8Array {
  if (png.length < 20 || SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('not a PNG');
  const iend = png.length - 12;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (view.getUint32(iend + 4) !== 0x49454e44) throw new Error('PNG does not end with IEND');
  const chunks = Object.entries(entries).map(([keyword, text]) => textChunk(keyword, text));
  return Buffer.concat([png.subarray(0, iend), ...chunks, png.subarray(iend)]);
}

/** Text chunks (`tEXt` and uncompressed `iTXt`) of a PNG, keyword → text. */
export function readPngText(png: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    const type = Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1');
    const data = Buffer.from(png.subarray(at + 8, at + 8 + length));
    const zero = data.indexOf(0);
    if (type === 'tEXt' && zero > 0)
      out[data.toString('latin1', 0, zero)] = data.toString('latin1', zero + 1);
    if (type === 'iTXt' && zero > 0 && data[zero + 1] === 0) {
      const lang = data.indexOf(0, zero + 3);
      const translated = data.indexOf(0, lang + 1);
      out[data.toString('latin1', 0, zero)] = data.toString('utf8', translated + 1);
    }
    at += 12 + length;
  }
  return out;
}

export interface GenerationParameters {
  prompt: string;
  /** Written as A1111 does, on its own `Negative prompt: …` line. */
  negativePrompt?: string;
  steps?: number;
  cfg?: number;
  seed?: number;
  width?: number;
  height?: number;
  /** e.g. `text_to_image`, `image_to_image/edit_add`, `paint`. */
  task?: string;
}

/**
 * The AUTOMATIC1111-style `parameters` text: the prompt, a `Negative prompt: …` line when there is one, then
 * `Steps: 64, CFG scale: 4, Seed: 42, Size: WxH, …`.
 */
export function parametersText(p: GenerationParameters): string {
  const pairs: string[] = [];
  if (p.steps !== undefined) pairs.push(`Steps: ${p.steps}`);
  if (p.cfg !== undefined) pairs.push(`CFG scale: ${p.cfg}`);
  if (p.seed !== undefined) pairs.push(`Seed: ${p.seed}`);
  if (p.width !== undefined && p.height !== undefined) pairs.push(`Size: ${p.width}x${p.height}`);
  pairs.push('Model: Lumina-DiMOO');
  if (p.task) pairs.push(`Task: ${p.task}`);
  // The user's words stay on their own line whatever a reader splits lines on (\r and U+2028 included), so no
  // prompt writes a `Steps:` line of its own; NUL ends a PNG text, so none goes in.
  const line = (text: string) => text.replace(/\r\n|[\n\r\v\f\x85\u2028\u2029]/g, ' ').replace(/\0/g, '');
  const negative = p.negativePrompt?.trim() ? `Negative prompt: ${line(p.negativePrompt)}\n` : '';
  return `${line(p.prompt)}\n${negative}${pairs.join(', ')}`;
}
