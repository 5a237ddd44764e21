import { describe, expect, it } from 'vitest';
import { isUserInputCode, USER_INPUT_CODES } from '../../commands/errors.js';
import { catalog, SUPPORTED_LOCALES } from '../../src/i18n.js';

describe('user input codes', () => {
  it('are each a message in every catalog', () => {
    for (const locale of SUPPORTED_LOCALES) {
      for (const code of USER_INPUT_CODES)
        expect(catalog(locale), `${locale} ${code}`).toHaveProperty([code]);
    }
  });

  it('are told apart from other strings', () => {
    expect(isUserInputCode('errors.flag.unknown')).toBe(true);
    expect(isUserInputCode('errors.generic')).toBe(false);
    expect(isUserInputCode(undefined)).toBe(false);
  });
});
