import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { openE2eServices } from '../e2e-services.js';

const SECRET = 'hook_secret-1';
let fake: FakeTelegram;
let services: Services;
let running: Awaited<ReturnType<typeof startTelegram>>;
let hookUrl: string;

beforeAll(async () => {
  fake = await startFakeTelegram({ maxLongPollMs: 300, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  const opened = await openE2eServices('telegram-hook', {
    TELEGRAM_TOKEN: fake.token,
    TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/tg/hook',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    // Alice's private chat and the group; Bob's private chat is not served.
    TELEGRAM_CHAT_IDS: '1001, -100200300',
  });
  const { config, log } = opened;
  services = opened.services;
  running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
    apiRoot: fake.apiRoot,
    webhookPort: 0,
    webhookCheckMs: 100,
  });
  services.start();
  hookUrl = `http://127.0.0.1:${running.bot.webhookPort}/tg/hook`;
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await services?.close();
  await fake?.stop();
});

let updateId = 500;
/** A private-chat text message (from Alice unless told), as Telegram would POST it. */
function textUpdate(text: string, from = fake.world.users.alice) {
  updateId += 1;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: from.id, type: 'private', first_name: from.first_name },
      from,
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]?.length ?? 0 }],
    },
  };
}

function post(body: unknown, secret?: string, url = hookUrl) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const sentTexts = () => fake.callsTo('sendMessage').map((c) => String(c.params.text ?? ''));

describe('Telegram webhook mode', { timeout: 60_000 }, () => {
  it('registers the public URL with the secret token, keeps pending updates and does not poll', async () => {
    const call = await fake.waitForCall('setWebhook');
    expect(call.params).toMatchObject({
      url: 'https://bot.example.org/tg/hook',
      secret_token: SECRET,
      drop_pending_updates: false,
      allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'],
    });
    expect(fake.callsTo('getUpdates')).toHaveLength(0);
  });

  it('answers an update that carries the right secret', async () => {
    const response = await post(textUpdate('/help'), SECRET);
    expect(response.status).toBe(200);
    const reply = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && String(c.params.text).startsWith(t('en', 'help.text')),
      10_000,
    );
    expect(reply.params.chat_id).toBe(fake.world.users.alice.id);
  });

  it('refuses a wrong or missing secret with 401 and handles nothing', async () => {
    const before = fake.calls.length;
    expect((await post(textUpdate('/queue'), 'wrong-secret')).status).toBe(401);
    expect((await post(textUpdate('/queue'))).status).toBe(401);
    // A request that does pass, as a marker: nothing of the refused ones may show up before or after it.
    expect((await post(textUpdate('/settings'), SECRET)).status).toBe(200);
    await fake.waitForCall((c) => c.method === 'sendMessage' && /^Your settings/.test(String(c.params.text)));
    const since = fake.calls.slice(before).filter((c) => c.method === 'sendMessage');
    expect(since.map((c) => String(c.params.text))).toEqual([expect.stringMatching(/^Your settings/)]);
    expect(sentTexts().some((text) => text.startsWith('Queue:'))).toBe(false);
  });

  it('serves only the chats on its allowlist', async () => {
    const before = fake.calls.length;
    expect((await post(textUpdate('/help', fake.world.users.bob), SECRET)).status).toBe(200);
    expect((await post(textUpdate('/start'), SECRET)).status).toBe(200);
    await fake.waitForCall((c) => c.method === 'sendMessage' && fake.calls.indexOf(c) >= before);
    const answered = fake.calls.slice(before).filter((c) => c.method === 'sendMessage');
    expect(answered.map((c) => c.params.chat_id)).toEqual([fake.world.users.alice.id]);
  });

  it('tells /readyz while Telegram posts the updates elsewhere (another instance set its webhook)', async () => {
    await fake.waitForCall('getWebhookInfo');
    expect(services.health.problems()).toEqual([]);
    const ours = fake.state.updates.webhook;
    fake.state.updates.setWebhook({ url: 'https://other.example.org/hook' });
    await expect
      .poll(() => services.health.problems(), { timeout: 5000 })
      .toEqual(['telegram: webhook replaced: Telegram posts updates to another URL']);
    fake.state.updates.setWebhook(ours);
    await expect.poll(() => services.health.problems(), { timeout: 5000 }).toEqual([]);
  });

  it('handles an update Telegram delivers twice (a retry) once, and one of the wrong shape not at all', async () => {
    const before = fake.calls.length;
    const repeated = textUpdate('/help');
    const answers = await Promise.all([post(repeated, SECRET), post(repeated, SECRET)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect((await post({ ...repeated, update_id: String(repeated.update_id + 1) }, SECRET)).status).toBe(400);
    expect((await post(repeated, SECRET)).status).toBe(200);
    // A marker that passes: every copy before it has been handled by then.
    expect((await post(textUpdate('/settings'), SECRET)).status).toBe(200);
    await fake.waitForCall((c) => c.method === 'sendMessage' && /^Your settings/.test(String(c.params.text)));
    const texts = fake.calls
      .slice(before)
      .filter((c) => c.method === 'sendMessage')
      .map((c) => String(c.params.text));
    expect(texts.filter((text) => text.startsWith(t('en', 'help.text')))).toHaveLength(1);
  });

  it('answers only POSTs on its path, survives a malformed body, and closes on stop', async () => {
    expect((await fetch(hookUrl)).status).toBe(405);
    expect((await post(textUpdate('/help'), SECRET, hookUrl.replace('/tg/hook', '/other'))).status).toBe(404);
    expect((await post('{not json', SECRET)).status).toBe(400);
    expect((await post(textUpdate('/queue'), SECRET)).status).toBe(200);
    await fake.waitForCall((c) => c.method === 'sendMessage' && /^Queue:/.test(String(c.params.text)));

    await running.stop();
    await expect(post(textUpdate('/help'), SECRET)).rejects.toThrow();
    expect(services.health.problems()).toEqual([]);
  });
});
