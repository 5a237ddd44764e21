// The format of an image output (`--out`), from its file name: a `.jpg` holds JPEG bytes, not a PNG under another
// name that a viewer or an upload then refuses or misreads.
import { extname } from 'node:path';
import sharp from 'sharp';
import { encodePng, type RgbImage, withPngText } from '../../engine/index.js';
import { CliError } from './command.js';

export type OutputFormat = 'png' | 'jpeg' | 'webp';

const FORMATS: Record<string, OutputFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
};

/** ".png, .jpg, .jpeg or .webp": the names an image output may end in, as the help and a refusal say them. */
const OUTPUT_EXTENSIONS = `${Object.keys(FORMATS).slice(0, -1).join(', ')} or ${Object.keys(FORMATS).at(-1)}`;

/**
 * The format an image output's name asks for (`.JPG` as `.jpg`); any other ending, or none, is refused before the
 * model loads, in one line, rather than written as PNG bytes under a name that says otherwise.
 */
export function outputFormatOf(flag: string, path: string): OutputFormat {
  const extension = extname(path);
  const format = FORMATS[extension.toLowerCase()];
  if (format) return format;
  const said = extension ? `ends in "${extension}"` : 'has no extension';
  throw new CliError(
    'output_format',
    `--${flag} ${path} ${said}; an image is written as ${OUTPUT_EXTENSIONS} (the name picks the format)`,
  );
}

/**
 * An image's bytes in `format`, with `text` (the generation parameters) where the format keeps it: a PNG text chunk,
 * else XMP's dc:description (UTF-8, what exiftool and photo tools show as the description). libvips writes EXIF
 * strings as ASCII, a Korean prompt as "?? ? ??", so the EXIF ImageDescription is added only for text it keeps whole.
 * Fixed settings, so the same pixels give the same bytes.
 */
export async function encodeOutput(
  image: RgbImage,
  format: OutputFormat,
  text?: string,
): Promise<Uint8Array> {
  if (format === 'png') {
    const png = await encodePng(image);
    return text === undefined ? png : withPngText(png, { parameters: text });
  }
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (text !== undefined) {
    pipeline = pipeline.withXmp(xmpDescription(text));
    if (/^[\x20-\x7e\t\n]*$/.test(text)) pipeline = pipeline.withExif({ IFD0: { ImageDescription: text } });
  }
  const out = await (format === 'jpeg'
    ? pipeline.jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
    : pipeline.webp({ quality: 92 })
  ).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * An XMP packet whose dc:description (default language) is `text`, escaped for XML. A carriage return is written as
 * a reference, which a parser keeps (a bare one it turns into a line feed); a character XML 1.0 cannot hold at all
 * (other control characters) becomes U+FFFD.
 */
function xmpDescription(text: string): string {
  const escaped = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 cannot hold are what it finds.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
  return [
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escaped}</rdf:li></rdf:Alt></dc:description>`,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('');
}
