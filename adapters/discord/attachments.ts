// Inputs come only from Discord's CDN, are size-checked before download, and are fetched at once (signed links
// expire), never at run time.
import type { Attachment } from 'discord.js';
import { type InputImage, UserInputError } from '../../commands/index.js';

export const DISCORD_CDN_HOSTS = ['cdn.discordapp.com', 'media.discordapp.net'];

export function isImageAttachment(a: Pick<Attachment, 'contentType' | 'name'>): boolean {
  return (a.contentType ?? '').startsWith('image/') || /\.(png|jpe?g|webp)$/i.test(a.name ?? '');
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
  if (attachment.size > options.maxBytes) {
    throw new UserInputError('errors.input.too_large', {
      sizeBytes: attachment.size,
      limitBytes: options.maxBytes,
    });
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new UserInputError('errors.discord.download_failed');
  const data = new Uint8Array(await response.arrayBuffer());
  if (data.byteLength > options.maxBytes) {
    throw new UserInputError('errors.input.too_large', {
      sizeBytes: data.byteLength,
      limitBytes: options.maxBytes,
    });
  }
  return { data, filename: attachment.name ?? 'image' };
}
