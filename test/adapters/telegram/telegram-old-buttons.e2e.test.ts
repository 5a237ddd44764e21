// Buttons on results the bot no longer knows, with the real grammY client against the fake Bot API: a result's job
// gone (a very old result, another installation's) is an alert for the presser alone; a press delivered after the
// bot was down, whose query Telegram no longer lets it answer, becomes a message replying to the pressed result, so a
// group sees which result it is about.
import type { CallbackQuery, Message } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { useTelegramOnFake } from './telegram-on-fake.js';

const bot = useTelegramOnFake('telegram-old-buttons', new TimedEngineDouble(20, 3));
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const GONE = '0b0b0b0b-0000-4000-8000-000000000000';

/** A result of the bot's in the group whose job this installation never had. */
function oldResult(): Message {
  const message = fake.state.compose(fake.world.group, {
    from: fake.world.bot,
    caption: 'Done in 3.2 s',
    reply_markup: {
      inline_keyboard: [
        [
          { text: 'Re-roll', callback_data: `reroll:${GONE}` },
          { text: 'Delete', callback_data: `delete:${GONE}` },
        ],
      ],
    },
  });
  return fake.state.store(message);
}
const groupSends = (from: number) =>
  fake.calls
    .slice(from)
    .filter((c) => c.method === 'sendMessage' && c.params.chat_id === fake.world.group.id);
const answerOf = (id: string) =>
  fake.waitForCall(
    (c: TelegramCall) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === id,
    10_000,
  );

describe('Telegram: buttons on old results', { timeout: 60_000 }, () => {
  it('a result whose job is gone: an alert for the presser, nothing in the group', async () => {
    const result = oldResult();
    const from = fake.calls.length;
    const press = fake.injectCallbackQuery(result, `reroll:${GONE}`, fake.world.users.alice);
    expect((await answerOf(press.id)).params).toMatchObject({ show_alert: true });
    expect(groupSends(from)).toEqual([]);
  });

  it('a press delivered too late to be answered: a message replying to the pressed result', async () => {
    const result = oldResult();
    const from = fake.calls.length;
    // Not an open query any more: answerCallbackQuery is refused ("query is too old").
    const late: CallbackQuery = {
      id: 'late-press',
      from: fake.world.users.alice,
      message: result as CallbackQuery['message'] & object,
      chat_instance: String(result.chat.id),
      data: `delete:${GONE}`,
    };
    fake.injectUpdate({ callback_query: late });
    expect((await answerOf(late.id)).status).toBe(400);
    const said = await fake.waitForCall((c) => groupSends(from).includes(c), 10_000);
    expect(said.params.text).toBe(t('en', 'errors.job.not_found'));
    expect(said.params.reply_parameters?.message_id).toBe(result.message_id);
  });
});
