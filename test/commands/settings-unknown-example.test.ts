// `/settings foo bar` is refused with the settings there are and an example: typed as the settings page and /help
// teach them (`/settings size 768`), in every catalog, and an example that /settings takes.
import { describe, expect, it } from 'vitest';
import { SUPPORTED_LOCALES, t } from '../../src/i18n.js';
import { commandsOnQueue } from './commands-on-queue.js';

/** `/settings name value` as a message shows it, up to the catalog's own punctuation. */
const EXAMPLE = /\/settings [a-z]+ [^\s、，。,.]+/g;

describe('an unknown setting', () => {
  it('is refused with examples typed as the settings page teaches them, which /settings takes', async () => {
    const { commands } = commandsOnQueue('settings-unknown-example', { start: false });
    const ctx = () =>
      commands.context({ user: { platform: 'web', userId: '2' }, scope: 'web:2', language: 'en' });
    const refused = await commands.runText(ctx(), '/settings foo bar');
    expect(refused?.text[0]).toMatchObject({ key: 'errors.settings.unknown', params: { option: 'foo' } });
    for (const locale of SUPPORTED_LOCALES) {
      const message = t(locale, 'errors.settings.unknown', refused?.text[0]?.params);
      const examples = message.match(EXAMPLE) ?? [];
      // `size=768` is taken too, but shown nowhere else: one syntax to learn.
      expect([locale, message]).not.toEqual([locale, expect.stringMatching(/\b[a-z]+=/)]);
      expect([locale, examples.length]).toEqual([locale, 2]);
      for (const example of examples) {
        expect([locale, t(locale, 'settings.how')]).toEqual([locale, expect.stringContaining(example)]);
        const answer = await commands.runText(ctx(), example);
        expect([example, answer?.text[0]?.key]).not.toEqual([example, expect.stringMatching(/^errors\./)]);
      }
    }
  });
});
