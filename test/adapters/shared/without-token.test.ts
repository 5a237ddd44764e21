// The one rule that keeps a bot token out of an operator's line, for both token shapes: Discord's `id.timestamp.hmac`
// and Telegram's `id:secret`. The whole token, its secret part alone, and a message cut off inside either.
import { describe, expect, it } from 'vitest';
import { MIN_CUT, withoutToken } from '../../../adapters/shared/without-token.js';

const DISCORD = 'MTAxMjM0NTY3ODkwMTIzNDU2.Gabcde.secret-part-of-the-token';
const DISCORD_SECRET = 'secret-part-of-the-token';
const TELEGRAM = '123456:ABCdefGHIjklMNOpqrSTUvwxyz0123456789';
const TELEGRAM_SECRET = 'ABCdefGHIjklMNOpqrSTUvwxyz0123456789';

describe('withoutToken', () => {
  it.each([
    ['Discord', DISCORD, '.' as const, DISCORD_SECRET],
    ['Telegram', TELEGRAM, ':' as const, TELEGRAM_SECRET],
  ])(
    'hides a %s token whole, its secret part alone, and a head cut off inside either',
    (_, token, sep, secret) => {
      expect(withoutToken(`GET https://host/bot${token}/getMe failed`, token, sep)).toBe(
        'GET https://host/bot<token>/getMe failed',
      );
      expect(withoutToken(`Authorization: Bot ${token}`, token, sep)).toBe('Authorization: Bot <token>');
      expect(withoutToken(`signature ${secret} refused`, token, sep)).toBe('signature <token> refused');
      // A message a library cut short, inside the token or inside its secret part.
      expect(withoutToken(`request to /bot${token.slice(0, 14)}… failed`, token, sep)).toBe(
        'request to /bot<token>… failed',
      );
      expect(withoutToken(`secret "${secret.slice(0, MIN_CUT)}"`, token, sep)).toBe('secret "<token>"');
    },
  );

  it('keeps what tells nothing of the token: a head shorter than the cut, other words, an empty token', () => {
    const short = TELEGRAM_SECRET.slice(0, MIN_CUT - 1);
    expect(withoutToken(`code ${short} and ABCdefGHX`, TELEGRAM, ':')).toBe(`code ${short} and ABCdefGHX`);
    expect(withoutToken('getaddrinfo ENOTFOUND discord.com', DISCORD, '.')).toBe(
      'getaddrinfo ENOTFOUND discord.com',
    );
    expect(withoutToken('no token here', '', ':')).toBe('no token here');
  });
});
