// Which replies answer the bot's questions (adapters/telegram/questions.ts), over the real question log on an
// in-memory database and a Bot API double that records what is sent: the asker's reply answers, anyone else's is an
// ordinary message, and a question the log no longer holds is recognised by its words (in any language) and said to
// have expired, but only to the one it named.
import Database from 'better-sqlite3';
import type { Api } from 'grammy';
import type { Message, User } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { TelegramQuestions } from '../../../adapters/telegram/questions.js';
import { t } from '../../../src/i18n.js';
import { QuestionLog } from '../../../src/jobs/index.js';

const BOT: User = { id: 42, is_bot: true, first_name: 'Dimoo' };
const alice: User = { id: 1, is_bot: false, first_name: 'Alice' };
const bob: User = { id: 2, is_bot: false, first_name: 'Bob' };
const GROUP = { id: -100, type: 'supergroup' as const, title: 'Pictures' };
const JOB = '11111111-2222-4333-8444-555555555555';

/** The bot's side: a question log on a fresh database and a Bot API that returns what it was asked to send. */
function questionsOn(log = new QuestionLog(new Database(':memory:'))) {
  const sent: Message[] = [];
  const api = {
    sendMessage: async (_chatId: number, text: string, other: { entities?: Message['entities'] }) => {
      const message = { message_id: 101, date: 0, chat: GROUP, from: BOT, text, entities: other.entities };
      sent.push(message as Message);
      return message;
    },
  } as unknown as Api;
  return { log, sent, questions: new TelegramQuestions(api, log) };
}

const result = { message_id: 7, date: 0, chat: GROUP, from: BOT, caption: 'a fox' } as Message;
const replyOf = (from: User, to: Message): Message => ({
  message_id: 500,
  date: 0,
  chat: GROUP,
  from,
  text: 'make it night',
  reply_to_message: to as Message & { reply_to_message: undefined },
});

/** Alice pressed Edit under the bot's result in the group: the question, as sent, names her. */
async function askAlice(
  { questions, sent }: ReturnType<typeof questionsOn>,
  locale: 'en' | 'ja' = 'en',
): Promise<Message> {
  const target = { chatId: GROUP.id, pressed: result, asker: { user: alice, id: '1' }, group: true };
  const ask = {
    kind: 'edit_instruction' as const,
    jobId: JOB,
    titleKey: 'ask.edit.title',
    labelKey: 'ask.edit.label',
  };
  await questions.ask(target, locale, ask);
  const question = sent.at(-1) as Message;
  expect(question.text).toBe(`Alice: ${t(locale, 'ask.edit.label')}`);
  return question;
}

describe('Telegram questions', () => {
  it('the asker’s reply answers the question; someone else’s is an ordinary message', async () => {
    const bot = questionsOn();
    const { questions } = bot;
    const question = await askAlice(bot);
    expect(questions.replyTo(question, replyOf(alice, question), BOT.id)).toEqual({
      kind: 'edit_instruction',
      jobId: JOB,
      userId: '1',
    });
    expect(questions.replyTo(question, replyOf(bob, question), BOT.id)).toBeUndefined();
  });

  it('a question the log does not hold (lost in a restart) expires for the one it named, in any language', async () => {
    const question = await askAlice(questionsOn(), 'ja');
    const { questions: after } = questionsOn();
    expect(after.replyTo(question, replyOf(alice, question), BOT.id)).toBe('expired');
    expect(after.replyTo(question, replyOf(bob, question), BOT.id)).toBeUndefined();
    // Unnamed (a private chat, or a question that replies to the asker's own request): whoever replies is told.
    const plain = { ...question, text: `${t('ko', 'ask.remix.label')}\n\n/imagine a fox`, entities: [] };
    expect(after.replyTo(plain, replyOf(bob, plain), BOT.id)).toBe('expired');
  });

  it('a reply to anything else of the bot’s, or to a user’s message in a question’s words, is none of this', async () => {
    const { questions } = questionsOn();
    expect(questions.replyTo(result, replyOf(alice, result), BOT.id)).toBeUndefined();
    const chatter = { ...result, text: 'What should change? Nothing.', caption: undefined };
    expect(questions.replyTo(chatter, replyOf(alice, chatter), BOT.id)).toBeUndefined();
    const users = { ...result, from: bob, text: t('en', 'ask.edit.label'), caption: undefined };
    expect(questions.replyTo(users, replyOf(alice, users), BOT.id)).toBeUndefined();
  });

  it('keeps the latest thousand questions; the one before them has expired', async () => {
    const bot = questionsOn();
    const { log, questions } = bot;
    const question = await askAlice(bot);
    for (let i = 0; i < 999; i += 1)
      log.remember(`telegram:-5:${i}`, { kind: 'edit_instruction', jobId: JOB, userId: '9' }, 1000);
    expect(questions.replyTo(question, replyOf(alice, question), BOT.id)).toMatchObject({ jobId: JOB });
    log.remember('telegram:-5:last', { kind: 'edit_instruction', jobId: JOB, userId: '9' }, 1000);
    expect(questions.replyTo(question, replyOf(alice, question), BOT.id)).toBe('expired');
    expect(log.at('telegram:-5:0')).toBeDefined();
  });

  it('a question of a kind this version no longer asks has expired', async () => {
    const bot = questionsOn();
    const { log, questions } = bot;
    const question = await askAlice(bot);
    log.remember(`telegram:${GROUP.id}:101`, { kind: 'sketch_line', jobId: JOB, userId: '1' }, 1000);
    expect(questions.replyTo(question, replyOf(alice, question), BOT.id)).toBe('expired');
  });
});
