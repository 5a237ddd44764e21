// An attachment over the input limit is refused before download, naming its size and the limit (the message has
// both placeholders; Discord's refusal once left "{size}" in the text).
import { describe, expect, it } from 'vitest';
import { download } from '../../../adapters/discord/attachments.js';
import { UserInputError } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';

describe('Discord attachments', () => {
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
});
