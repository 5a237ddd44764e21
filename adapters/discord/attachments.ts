// Inputs come only from Discord's CDN, are size-checked before download, and are fetched at once (signed links
// expire), never at run time.
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

export async function download(
  attachment: Pick<Attachment, 'url' | 'size' | 'name' | 'contentType'>,
  options: { hosts: readonly string[]; maxBytes: number },
): Promise<InputImage> {
  const url = new URL(attachment.url);
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  if (!options.hosts.includes(host) && !options.hosts.includes(url.hostname)) {
    throw new UserInputError('errors.discord.attachment_host');
  }
  if (attachment.size > options.maxBytes) throw tooLarge(attachment.size, options.maxBytes);
  const data = await downloadCapped(url, {
    maxBytes: options.maxBytes,
    failure: 'errors.discord.download_failed',
  });
  return { data, filename: attachment.name ?? 'image' };
}
