// The one rule that keeps a bot token out of an operator's line, for both token shapes: Discord's `id.timestamp.hmac`
// and Telegram's `id:secret`. The whole token, its secret part alone, and a message cut off inside either.
import { describe, expect, it } from 'vitest';
import { MIN_TAIL, withoutTelegramTokens, withoutToken } from '../../../adapters/shared/without-token.js';
import { TOKEN_CUT_MIN } from '../../../src/log.js';

const DISCORD = 'MTAxMjM0NTY3ODkwMTIzNDU2.Gabcde.secret-part-of-the-token';
const DISCORD_SECRET = 'secret-part-of-the-token';
const TELEGRAM = '123456:ABCdefGHIjklMNOpqrSTUvwxyz0123456789';
const TELEGRAM_SECRET = 'ABCdefGHIjklMNOpqrSTUvwxyz0123456789';
/** A token with a ten-digit bot id, as Telegram gives new bots. */
const TELEGRAM_LONG_ID = '7123456789:AAHfK3-xqRsTuVwXyZ0123456789abcdefGH';

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
      // A message a library cut short, inside the token (past its public id) or inside its secret part.
      const pastId = token.slice(0, token.indexOf(sep) + 4);
      expect(withoutToken(`request to /bot${pastId}… failed`, token, sep)).toBe(
        'request to /bot<token>… failed',
      );
      expect(withoutToken(`secret "${secret.slice(0, TOKEN_CUT_MIN)}"`, token, sep)).toBe('secret "<token>"');
    },
  );

  it('hides a token cut short before ASCII dots, which are no part of the word they follow', () => {
    expect(withoutToken('GET /bot7123456789:AAHfK3-xq... failed', TELEGRAM_LONG_ID, ':')).toBe(
      'GET /bot<token>... failed',
    );
    expect(withoutToken('Authorization: Bot MTAxMjM0NTY3ODkwMTIzNDU2.Gabcd...', DISCORD, '.')).toBe(
      'Authorization: Bot <token>...',
    );
  });

  it('hides the secret cut from the left, once a word begins with its last MIN_TAIL characters', () => {
    const tail = TELEGRAM_LONG_ID.slice(-MIN_TAIL);
    expect(withoutToken(`token …qRsTuVwXyZ0123456789abcdefGH/getMe`, TELEGRAM_LONG_ID, ':')).toBe(
      'token …<token>/getMe',
    );
    expect(withoutToken(`ends ...${tail}`, TELEGRAM_LONG_ID, ':')).toBe('ends ...<token>');
    // Shorter ends tell too little and may be any word.
    expect(withoutToken(`ends ${tail.slice(1)}`, TELEGRAM_LONG_ID, ':')).toBe(`ends ${tail.slice(1)}`);
  });

  it('keeps what tells nothing of the token: a head shorter than the cut, other words, an empty token', () => {
    const short = TELEGRAM_SECRET.slice(0, TOKEN_CUT_MIN - 1);
    expect(withoutToken(`code ${short} and ABCdefGHX`, TELEGRAM, ':')).toBe(`code ${short} and ABCdefGHX`);
    expect(withoutToken('getaddrinfo ENOTFOUND discord.com', DISCORD, '.')).toBe(
      'getaddrinfo ENOTFOUND discord.com',
    );
    expect(withoutToken('no token here', '', ':')).toBe('no token here');
  });

  it("keeps the bot's public id: a cut-off start is hidden only once it reaches past the id", () => {
    // Telegram's bot id is public (any chat member sees it); it is the token's part before ':'.
    expect(withoutToken('chat -1007123456789 and update 7123456789:', TELEGRAM_LONG_ID, ':')).toBe(
      'chat -1007123456789 and update 7123456789:',
    );
    expect(withoutToken('cut at 7123456789:A', TELEGRAM_LONG_ID, ':')).toBe('cut at <token>');
    // Discord's part before the first '.' is the base64 of the bot's user id, which every server member sees: a
    // message cut inside it (14 characters, which an older rule hid) names the bot, not its secret.
    expect(withoutToken(`bot ${DISCORD.slice(0, 14)}…`, DISCORD, '.')).toBe(`bot ${DISCORD.slice(0, 14)}…`);
    expect(withoutToken(`bot ${DISCORD.slice(0, 24)}.`, DISCORD, '.')).toBe(`bot ${DISCORD.slice(0, 24)}.`);
    expect(withoutToken(`bot ${DISCORD.slice(0, 26)}…`, DISCORD, '.')).toBe('bot <token>…');
  });
});

describe('withoutTelegramTokens', () => {
  // As @BotFather issues them: the bot's id, ':', 35 of [A-Za-z0-9_-].
  const token = '6543210987:AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456';
  const secret = 'AAE1x_Zq9-Kd4LmNoPqRsTuVwXyZ0123456';

  it("hides this bot's token whole, URL-encoded, split and cut, and any other of the log's token shape", () => {
    expect(withoutTelegramTokens(`GET /bot${token}/getMe`, token)).toBe('GET /bot<token>/getMe');
    expect(withoutTelegramTokens(`GET /bot${encodeURIComponent(token)}/getMe`, token)).toBe(
      'GET /bot6543210987%3A<token>/getMe',
    );
    expect(withoutTelegramTokens(`path /${secret}/getMe`, token)).toBe('path /<token>/getMe');
    expect(withoutTelegramTokens(`GET /bot${token.slice(0, 20)}…`, token)).toBe('GET /bot<token>…');
    const other = '1234567:AAGz-9_yXwVuTsRqPoNmLkJiHgFeDcBa987';
    expect(withoutTelegramTokens(`${other} ${other.replace(':', '%3A')}`)).toBe('<token> 1234567%3A<token>');
    expect(withoutTelegramTokens('update 6543210987: chat -1006543210987')).toBe(
      'update 6543210987: chat -1006543210987',
    );
  });
});
