// Telling the sender of a given-up update (adapters/telegram/given-up.ts): one localized reply to their message, in
// its topic; one per album; nothing where nobody asked (no chat, no sender, the bot's own membership), where the
// chat is not served or a job of it answered already; and a failed send is logged, never thrown. A button press is
// told with an alert only the presser sees, or, once Telegram takes no answer to it, a reply to the pressed message.
import { Api } from 'grammy';
import type { Message, Update } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { tellGivenUp } from '../../../adapters/telegram/given-up.js';
import type { CommandContext } from '../../../commands/index.js';
import { type Locale, t } from '../../../src/i18n.js';
import { createLogger } from '../../../src/log.js';
import { botInfo } from './bot-info.js';

const me = botInfo();
const alice = { id: 7, is_bot: false, first_name: 'A', language_code: 'de' };
const chat = { id: 7, type: 'private' as const, first_name: 'A' };
const forum = { id: -1009, type: 'supergroup' as const, title: 'F', is_forum: true as const };

type UserMessage = NonNullable<Update['message']>;
function message(id: number, extra: Partial<Message> = {}): UserMessage {
  return { message_id: id, date: 0, chat, from: alice, text: '/imagine x', ...extra } as UserMessage;
}

interface Sent {
  chat_id: number;
  text: string;
  reply_parameters?: { message_id: number };
  message_thread_id?: number;
}

interface Alert {
  callback_query_id: string;
  text: string;
  show_alert: boolean;
}

/**
 * The api double: each sendMessage is recorded, and each alert (answerCallbackQuery); `fail` makes the messages
 * refused, `queriesTooOld` the alerts, as Telegram refuses an answer to a press long past.
 */
function apiDouble(fail = false, queriesTooOld = false): { api: Api; sent: Sent[]; alerts: Alert[] } {
  const sent: Sent[] = [];
  const alerts: Alert[] = [];
  const api = new Api('1:test');
  api.config.use(async (_prev, method, payload) => {
    if (method === 'answerCallbackQuery') {
      if (queriesTooOld)
        return {
          ok: false,
          error_code: 400,
          description: 'Bad Request: query is too old and response timeout expired or query ID is invalid',
        };
      alerts.push(payload as unknown as Alert);
      // biome-ignore lint/suspicious/noExplicitAny: the transformer's result type is the method's
      return { ok: true, result: true as any };
    }
    if (method !== 'sendMessage') throw new Error(`unexpected ${method}`);
    if (fail) return { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' };
    sent.push(payload as unknown as Sent);
    // biome-ignore lint/suspicious/noExplicitAny: the transformer's result type is the method's, any one will do
    return { ok: true, result: { message_id: 99 } as any };
  });
  return { api, sent, alerts };
}

function deps(api: Api, handled: number[] = [], serves = (_: number) => true) {
  const lines: string[] = [];
  const destination = { write: (line: string) => lines.push((JSON.parse(line) as { msg: string }).msg) };
  return {
    lines,
    deps: {
      api,
      me,
      commands: {
        context: (input: { language?: string | null }) =>
          ({ locale: (input.language ?? 'en') as Locale }) as CommandContext,
      },
      repeats: {
        messageHandled: (_user: string, m: Message) => handled.includes(m.message_id),
        albumHandled: (_user: string, ms: Message[]) => ms.some((m) => handled.includes(m.message_id)),
        pressHandled: () => false,
      },
      serves,
      log: createLogger({ level: 'info', pretty: false, destination }),
    },
  };
}

describe('tellGivenUp', () => {
  it('replies once to the message, in its language and its forum topic', async () => {
    const { api, sent } = apiDouble();
    const inTopic = message(5, { chat: forum, message_thread_id: 42, is_topic_message: true });
    await tellGivenUp(deps(api).deps, [{ update_id: 1, message: inTopic }]);
    expect(sent).toEqual([
      {
        chat_id: forum.id,
        text: t('de', 'errors.telegram.update_given_up'),
        reply_parameters: { message_id: 5, allow_sending_without_reply: true },
        message_thread_id: 42,
      },
    ]);
  });

  it('tells an album once, and nobody where nothing was asked, the chat is not served or a job answered', async () => {
    const { api, sent } = apiDouble();
    const updates: Update[] = [
      { update_id: 1, message: message(1, { media_group_id: 'g' }) },
      { update_id: 2, message: message(2, { media_group_id: 'g' }) },
      // A job came of it: its status message answered.
      { update_id: 3, message: message(3) },
      // Nobody sent it.
      { update_id: 4, message: message(4, { from: undefined }) },
      { update_id: 5, message: message(5, { chat: { ...chat, id: 8 } }) },
      {
        update_id: 6,
        my_chat_member: {
          chat,
          from: alice,
          date: 0,
          old_chat_member: { user: me, status: 'member' },
          new_chat_member: { user: me, status: 'kicked', until_date: 0 },
        },
      },
      { update_id: 7, edited_message: { ...message(3), edit_date: 1 } },
    ];
    await tellGivenUp(deps(api, [3], (id) => id !== 8).deps, updates);
    expect(sent.map((s) => s.reply_parameters?.message_id)).toEqual([1, 3]);
  });

  it('a button press in a group: an alert only the presser sees; once Telegram takes none, a reply', async () => {
    const group = { id: -100, type: 'group' as const, title: 'G' };
    const result = message(40, { chat: group, from: { id: 1, is_bot: true, first_name: 'Bot' } });
    const pressUpdate = (id: number): Update => ({
      update_id: id,
      callback_query: { id: `q${id}`, from: alice, chat_instance: 'c', data: 'reroll:x', message: result },
    });
    const answerable = apiDouble();
    await tellGivenUp(deps(answerable.api).deps, [pressUpdate(1)]);
    expect(answerable.alerts).toEqual([
      { callback_query_id: 'q1', text: t('de', 'errors.telegram.update_given_up'), show_alert: true },
    ]);
    expect(answerable.sent).toEqual([]);

    const tooOld = apiDouble(false, true);
    await tellGivenUp(deps(tooOld.api).deps, [pressUpdate(2)]);
    expect(tooOld.sent).toEqual([
      {
        chat_id: group.id,
        text: t('de', 'errors.telegram.update_given_up'),
        reply_parameters: { message_id: 40, allow_sending_without_reply: true },
      },
    ]);
  });

  it('a refused send is logged and the others are still told', async () => {
    const { api } = apiDouble(true);
    const { deps: d, lines } = deps(api);
    await expect(
      tellGivenUp(d, [
        { update_id: 1, message: message(1) },
        { update_id: 2, message: message(2) },
      ]),
    ).resolves.toBeUndefined();
    expect(lines).toEqual([
      'telegram update given up: its sender was not told',
      'telegram update given up: its sender was not told',
    ]);
  });
});
