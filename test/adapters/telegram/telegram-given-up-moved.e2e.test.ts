// An update given up (inbox.ts: its handling killed the process twice) in a group on TELEGRAM_CHAT_IDS that was
// upgraded to a supergroup: its sender is told at the next start there too, the new id being served as the allowlist
// remembers it (allowed-chats.ts), not only the ids listed. An unlisted chat's sender is still not told.
import type { Chat } from 'grammy/types';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import { answers, useInboxWorld } from './inbox-world.js';
import { textOf } from './telegram-on-fake.js';

const world = useInboxWorld();

const OLD: Chat.GroupChat = { id: -4545, type: 'group', title: 'Listed Group' };
const NEW: Chat.SupergroupChat = { id: -1004545, type: 'supergroup', title: 'Listed Group' };
const OTHER: Chat.SupergroupChat = { id: -1009898, type: 'supergroup', title: 'Not Listed' };
const env = { TELEGRAM_CHAT_IDS: String(OLD.id) };

describe('Telegram: a given-up update in an upgraded group', { timeout: 60_000 }, () => {
  it('its sender is told in the new chat after a restart; an unlisted chat’s is not', async () => {
    const { fake } = world;
    const { alice } = fake.world.users;
    fake.state.chats.set(OTHER.id, OTHER);
    await world.upgradedThenStopped(env, OLD, NEW);

    const request = fake.state.compose(NEW, { text: '/imagine a lost fox', from: alice });
    fake.state.store(request);
    const unlisted = fake.state.compose(OTHER, { text: '/imagine an unseen fox', from: alice });
    fake.state.store(unlisted);
    world.keptTriedTwice(fake.lastUpdateId + 1, unlisted);
    world.keptTriedTwice(fake.lastUpdateId + 2, request);

    await world.startHere(env);
    const told = await fake.waitForCall(answers(request), 10_000);
    expect(textOf(told)).toBe(t('en', 'errors.telegram.update_given_up'));
    expect(world.keptUpdates()).toEqual([]);
    expect(fake.callsTo(answers(unlisted))).toEqual([]);
  });
});
