// An attachment over the input limit is refused before download, naming its size and the limit (the message has
// both placeholders; Discord's refusal once left "{size}" in the text). A download that fails on the way is Discord's
// own refusal (it once escaped as a raw network error and reached the user as the generic one).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { download, isImageAttachment } from '../../../adapters/discord/attachments.js';
import { UserInputError } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';

describe('Discord attachments', () => {
  it('an image is known by its content type, its name, or (with neither) the size Discord measured', () => {
    const none = { contentType: null, name: 'upload', width: null, height: null };
    expect(isImageAttachment({ ...none, contentType: 'image/jpeg' })).toBe(true);
    expect(isImageAttachment({ ...none, name: 'photo.WEBP' })).toBe(true);
    expect(isImageAttachment({ ...none, width: 640, height: 480 })).toBe(true);
    expect(isImageAttachment(none)).toBe(false);
    expect(isImageAttachment({ ...none, contentType: 'application/pdf', width: 640, height: 480 })).toBe(
      false,
    );
  });

  it('refuses one over the limit with its size and the limit, before fetching it', async () => {
    const attachment = {
      url: 'https://cdn.discordapp.com/attachments/1/2/big.png',
      size: 30 * 1024 * 1024,
      name: 'big.png',
      contentType: 'image/png',
    };
    const error = await download(attachment, {
      hosts: ['cdn.discordapp.com'],
      maxBytes: 20 * 1024 * 1024,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    const { key, params } = error as UserInputError;
    expect(t('en', key, params)).toBe('That file is too large (30 MB, limit 20 MB).');
  });

  it('refuses a download that cannot connect as a failed Discord download', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const attachment = {
      url: `http://127.0.0.1:${port}/attachments/1/2/a.png`,
      size: 100,
      name: 'a.png',
      contentType: 'image/png',
    };
    const error = await download(attachment, { hosts: [`127.0.0.1:${port}`], maxBytes: 1024 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as UserInputError).key).toBe('errors.discord.download_failed');
  });
});
