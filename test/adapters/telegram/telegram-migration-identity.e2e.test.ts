// A group upgraded to a supergroup: whoever speaks as the chat itself (an anonymous admin) speaks under the new id
// from then on, and keeps what it held under the old one, its settings and custom options and a block on it
// (adapters/telegram/chat-moves.ts, commands/chat-moves.ts). Every group's, not only those on TELEGRAM_CHAT_IDS:
// here none of the moved groups is listed. The real grammY client against the fake Bot API.
import type { Chat } from 'grammy/types';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UserSettings } from '../../../commands/index.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { useTelegramOnFake } from './telegram-on-fake.js';

const LISTED: Chat.SupergroupChat = { id: -1007000, type: 'supergroup', title: 'Listed' };
const bot = useTelegramOnFake('telegram-migration-identity', new TimedEngineDouble(20, 2), {
  env: { TELEGRAM_CHAT_IDS: String(LISTED.id) },
});
let fake: FakeTelegram;
beforeAll(() => ({ fake } = bot));

const key = (chat: Chat) => `telegram:${chat.id}`;

describe('Telegram: the chat’s own identity across an upgrade', { timeout: 30_000 }, () => {
  it('carries its settings, custom options and block to the new id; the new id’s own settings stand', async () => {
    const { store } = bot.services.jobs;
    const old: Chat.GroupChat = { id: -5151, type: 'group', title: 'Anonymous Admins' };
    const moved: Chat.SupergroupChat = { id: -1005151, type: 'supergroup', title: 'Anonymous Admins' };
    const chosen: UserSettings = { steps: 24, options: { cine: 'cinematic light' } };
    fake.state.chats.set(old.id, old);
    store.saveSettings(key(old), chosen);
    store.blocks.block({ user: key(old), by: 'telegram:900', at: 7, reason: 'flooding' });
    // Another group whose new identity chose its own settings before the move was heard.
    const other: Chat.GroupChat = { id: -6161, type: 'group', title: 'Other' };
    const otherMoved: Chat.SupergroupChat = { id: -1006161, type: 'supergroup', title: 'Other' };
    fake.state.chats.set(other.id, other);
    store.saveSettings(key(other), { steps: 12 });
    store.saveSettings(key(otherMoved), { aspect: '16:9' });

    fake.upgradeGroup(old.id, moved);
    fake.upgradeGroup(other.id, otherMoved);

    await expect.poll(() => store.settings(key(moved)), { timeout: 10_000, interval: 20 }).toEqual(chosen);
    await expect
      .poll(() => store.blocks.get(key(moved)), { timeout: 10_000, interval: 20 })
      .toEqual({ user: key(moved), by: 'telegram:900', at: 7, reason: 'flooding' });
    // Every service message was taken and handled (the inbox keeps an update until its handling ended).
    const handled = () => fake.state.updates.pending.length === 0 && store.inbox.size === 0;
    await expect.poll(handled, { timeout: 10_000, interval: 20 }).toBe(true);
    expect(store.settings(key(otherMoved))).toEqual({ aspect: '16:9' });
    expect(store.settings(key(other))).toEqual({ steps: 12 });
  });
});
