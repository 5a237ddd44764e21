// Inputs come only from Discord's CDN (redirects too), are size-checked before download, and are fetched at once
// (signed links expire), never at run time.
import type { Attachment } from 'discord.js';
import { type InputImage, UserInputError } from '../../commands/index.js';
import { downloadCapped, tooLarge } from '../shared/download.js';

export const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

/**
 * An image by its content type or its name, else by its size: Discord measures the images (and videos) it stores,
 * and a client may upload one with neither a type nor an extension. A video taken for one is refused when decoded.
 */
export function isImageAttachment(a: Pick<Attachment, 'contentType' | 'name' | 'width' | 'height'>): boolean {
  if ((a.contentType ?? '').startsWith('image/') || /\.(png|jpe?g|webp)$/i.test(a.name ?? '')) return true;
  return !a.contentType && typeof a.width === 'number' && typeof a.height === 'number';
}

/**
 * Whether `url` is on one of `hosts`: a name alone means https on its usual port (the CDN, not another service on
 * the same name); a `host:port` entry (a local double in tests) means exactly that port, over http too.
 */
export function onAllowedHost(url: URL, hosts: readonly string[]): boolean {
  if (url.username || url.password || !hosts.includes(url.host)) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && url.port !== '');
}

export async function download(
  attachment: Pick<Attachment, 'url' | 'size' | 'name' | 'contentType'>,
  options: { hosts: readonly string[]; maxBytes: number },
): Promise<InputImage> {
  const url = URL.canParse(attachment.url) ? new URL(attachment.url) : undefined;
  if (!url || !onAllowedHost(url, options.hosts)) throw new UserInputError('errors.discord.attachment_host');
  if (attachment.size > options.maxBytes) throw tooLarge(attachment.size, options.maxBytes);
  const data = await downloadCapped(url, {
    maxBytes: options.maxBytes,
    failure: 'errors.discord.download_failed',
    mayFollow: (next) => onAllowedHost(next, options.hosts),
  });
  return { data, filename: attachment.name ?? 'image' };
}
