// The fake refuses what the Bot API refuses, each rule by its named check (descriptions as tdlib/telegram-bot-api
// and TDLib word them), and grammY hands the refusal over as a GrammyError with that description.
import { Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from './fake-telegram/index.js';
import {
  invalidBotCommand,
  invalidCallbackAnswer,
  invalidCaption,
  invalidCommandMenu,
  invalidInlineButton,
  invalidLanguageCode,
  invalidMediaGroup,
  invalidMessageIds,
  invalidReplyMarkup,
  invalidText,
  invalidTopic,
  parsedText,
} from './fake-telegram/limits.js';

const said = (result: { ok: boolean; description?: string } | undefined) =>
  result && !result.ok ? result.description : undefined;

describe('fake Telegram: text and captions', () => {
  it('text: given, not blank, at most 4096 characters after entity parsing', () => {
    expect(said(invalidText('', undefined))).toBe('Bad Request: message text is empty');
    expect(said(invalidText(' \n ', undefined))).toBe('Bad Request: message must be non-empty');
    expect(invalidText('x'.repeat(4096), undefined)).toBeUndefined();
    expect(said(invalidText('x'.repeat(4097), undefined))).toBe('Bad Request: message is too long');
    // HTML tags are not text; its entities are one character each.
    expect(parsedText('<b>a</b> &lt;3 &#128512;', 'HTML')).toBe('a <3 😀');
    expect(invalidText(`<b>${'x'.repeat(4096)}</b>`, 'HTML')).toBeUndefined();
    expect(said(invalidText('<i> </i>', 'HTML'))).toBe('Bad Request: message must be non-empty');
  });

  it('captions at most 1024; a callback answer’s text at most 200', () => {
    expect(invalidCaption('c'.repeat(1024), undefined)).toBeUndefined();
    expect(said(invalidCaption('c'.repeat(1025), undefined))).toBe(
      'Bad Request: message caption is too long',
    );
    expect(invalidCallbackAnswer('a'.repeat(200))).toBeUndefined();
    expect(said(invalidCallbackAnswer('a'.repeat(201)))).toBe('Bad Request: MESSAGE_TOO_LONG');
  });
});

describe('fake Telegram: inline keyboards', () => {
  it('callback_data is 1–64 bytes of UTF-8, not characters', () => {
    expect(invalidInlineButton({ text: 'Go', callback_data: 'x'.repeat(64) })).toBeUndefined();
    expect(said(invalidInlineButton({ text: 'Go', callback_data: 'x'.repeat(65) }))).toBe(
      'Bad Request: BUTTON_DATA_INVALID',
    );
    // 32 Cyrillic letters are 64 bytes; 33 are 66.
    expect(invalidInlineButton({ text: 'Go', callback_data: 'ж'.repeat(32) })).toBeUndefined();
    expect(said(invalidInlineButton({ text: 'Go', callback_data: 'ж'.repeat(33) }))).toBe(
      'Bad Request: BUTTON_DATA_INVALID',
    );
    expect(said(invalidInlineButton({ text: 'Go', callback_data: '' }))).toMatch(
      /Text buttons are unallowed in the inline keyboard/,
    );
    expect(invalidInlineButton({ text: 'Docs', url: 'https://example.org' })).toBeUndefined();
    expect(said(invalidInlineButton({ callback_data: 'x' }))).toMatch(/can't parse inline keyboard button/);
  });

  it('at most 8 buttons a row and 100 in all; rows are arrays', () => {
    const buttons = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ text: `${i}`, callback_data: `${i}` }));
    expect(invalidReplyMarkup({ inline_keyboard: [buttons(8)] })).toBeUndefined();
    expect(said(invalidReplyMarkup({ inline_keyboard: [buttons(9)] }))).toBe(
      'Bad Request: reply markup is too long',
    );
    const rows = Array.from({ length: 13 }, () => buttons(8));
    expect(said(invalidReplyMarkup({ inline_keyboard: rows }))).toBe('Bad Request: reply markup is too long');
    expect(said(invalidReplyMarkup({ inline_keyboard: buttons(2) }))).toMatch(/must be an Array of Arrays/);
    expect(invalidReplyMarkup({ force_reply: true })).toBeUndefined();
  });
});

describe('fake Telegram: command menus', () => {
  it('commands: trimmed, 1–32 of a-z, 0-9 and _; descriptions trimmed, 1–256 characters', () => {
    expect(invalidBotCommand({ command: 'imagine', description: 'Draw' })).toBeUndefined();
    expect(invalidBotCommand({ command: '/imagine', description: ' Draw ' })).toBeUndefined();
    expect(said(invalidBotCommand({ command: ' ', description: 'Draw' }))).toBe(
      'Bad Request: command must be non-empty',
    );
    expect(said(invalidBotCommand({ command: 'c'.repeat(33), description: 'Draw' }))).toBe(
      'Bad Request: command length must not exceed 32',
    );
    expect(said(invalidBotCommand({ command: 'Imagine', description: 'Draw' }))).toBe(
      'Bad Request: BOT_COMMAND_INVALID',
    );
    expect(said(invalidBotCommand({ command: 'imagine', description: '  ' }))).toBe(
      'Bad Request: command description must be non-empty',
    );
    // 256 characters, not UTF-16 units: 256 emoji pass, 257 do not.
    expect(invalidBotCommand({ command: 'imagine', description: '🦊'.repeat(256) })).toBeUndefined();
    expect(said(invalidBotCommand({ command: 'imagine', description: '🦊'.repeat(257) }))).toBe(
      'Bad Request: command description length must not exceed 256',
    );
  });

  it('a menu: at most 100 commands, in a language code of two lowercase letters (or none)', () => {
    const commands = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ command: `c${i}`, description: 'd' }));
    expect(invalidCommandMenu(commands(100), 'pt')).toBeUndefined();
    expect(said(invalidCommandMenu(commands(101), undefined))).toBe('Bad Request: BOT_COMMANDS_TOO_MUCH');
    expect(invalidLanguageCode(undefined)).toBeUndefined();
    expect(invalidLanguageCode('')).toBeUndefined();
    for (const code of ['pt-BR', 'zh-CN', 'zh-hans', 'PT', 'por'])
      expect(said(invalidLanguageCode(code)), code).toBe('Bad Request: invalid language code specified');
  });
});

describe('fake Telegram: topics, deletions, albums', () => {
  const forum = { id: -100, type: 'supergroup', title: 'Forum', is_forum: true } as const;
  const group = { id: -200, type: 'supergroup', title: 'Group' } as const;

  it('message_thread_id in a forum names a topic that exists, never General; elsewhere it is ignored', () => {
    const exists = (id: number) => id === 7;
    expect(invalidTopic(forum, undefined, exists)).toBeUndefined();
    expect(invalidTopic(forum, 7, exists)).toBeUndefined();
    expect(said(invalidTopic(forum, 1, exists))).toBe('Bad Request: message thread not found');
    expect(said(invalidTopic(forum, 8, exists))).toBe('Bad Request: message thread not found');
    expect(invalidTopic(group, 8, exists)).toBeUndefined();
  });

  it('deleteMessages takes 1–100 ids; an album 2–10 items, documents not mixed with photos', () => {
    expect(said(invalidMessageIds([]))).toBe('Bad Request: message identifiers are not specified');
    expect(invalidMessageIds(Array(100).fill(1))).toBeUndefined();
    expect(said(invalidMessageIds(Array(101).fill(1)))).toBe(
      'Bad Request: too many message identifiers specified',
    );
    const photo = { type: 'photo', media: 'attach://a' };
    expect(said(invalidMediaGroup([photo]))).toBe('Bad Request: media must include 2-10 items');
    expect(invalidMediaGroup([photo, photo])).toBeUndefined();
    expect(said(invalidMediaGroup(Array(11).fill(photo)))).toBe(
      'Bad Request: too many messages to send as an album',
    );
    expect(said(invalidMediaGroup([photo, { type: 'document', media: 'x' }]))).toMatch(/in the album/);
    expect(said(invalidMediaGroup([photo, { ...photo, caption: 'c'.repeat(1025) }]))).toBe(
      'Bad Request: message caption is too long',
    );
  });
});

describe('fake Telegram limits seen through grammY', () => {
  let fake: FakeTelegram | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  const refusedWith = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) =>
        error instanceof GrammyError ? [error.error_code, error.description] : String(error),
    );

  it('callback_data past 64 bytes, a menu in "pt-BR", the General topic, a one-photo album', async () => {
    fake = await startFakeTelegram();
    const api = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } }).api;
    const chat = fake.world.users.alice.id;
    const long = new InlineKeyboard().text('Re-roll', `reroll:${'ж'.repeat(30)}`);
    expect(await refusedWith(api.sendMessage(chat, 'done', { reply_markup: long }))).toEqual([
      400,
      'Bad Request: BUTTON_DATA_INVALID',
    ]);
    const sent = await api.sendMessage(chat, 'done', {
      reply_markup: new InlineKeyboard().text('Go', 'go:1'),
    });
    expect(
      await refusedWith(api.editMessageReplyMarkup(chat, sent.message_id, { reply_markup: long })),
    ).toEqual([400, 'Bad Request: BUTTON_DATA_INVALID']);
    expect(
      await refusedWith(
        api.setMyCommands([{ command: 'imagine', description: 'Desenhar' }], {
          language_code: 'pt-BR' as never,
        }),
      ),
    ).toEqual([400, 'Bad Request: invalid language code specified']);
    expect(fake.commands('pt-BR')).toBeUndefined();

    const forum = { id: -1001, type: 'supergroup' as const, title: 'Forum', is_forum: true as const };
    const asked = fake.injectText('hello', { chat: forum, thread: 5 });
    expect(await refusedWith(api.sendMessage(forum.id, 'hi', { message_thread_id: 1 }))).toEqual([
      400,
      'Bad Request: message thread not found',
    ]);
    expect(await refusedWith(api.sendMessage(forum.id, 'hi', { message_thread_id: 6 }))).toEqual([
      400,
      'Bad Request: message thread not found',
    ]);
    const inTopic = await api.sendMessage(forum.id, 'hi', { message_thread_id: asked.message_thread_id });
    expect(inTopic.message_thread_id).toBe(5);

    const png = new InputFile(
      Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
    );
    expect(await refusedWith(api.sendMediaGroup(chat, [{ type: 'photo', media: png }]))).toEqual([
      400,
      'Bad Request: media must include 2-10 items',
    ]);
  });
});
