// Which messages cost a store lookup: only those dated before this run started (with Telegram's clock allowed to
// differ), since a later one cannot have been handled by an earlier run.
import type { Message } from 'grammy/types';
import { describe, expect, it, vi } from 'vitest';
import { RepeatedUpdates } from '../../../adapters/telegram/repeats.js';
import type { Job } from '../../../src/jobs/index.js';

const START = Date.UTC(2026, 11, 5, 12, 0, 0);

function messageAt(ms: number, id = 10): Message {
  return {
    message_id: id,
    date: Math.floor(ms / 1000),
    chat: { id: -5, type: 'group', title: 'g' },
  } as Message;
}

function repeatsWith(jobs: Array<Partial<Job>>) {
  const recentOf = vi.fn(() => jobs as Job[]);
  const repeats = new RepeatedUpdates({
    store: { recentOf },
    queue: { get: () => undefined },
    api: { getChatMember: vi.fn() } as never,
    log: { debug: () => undefined },
    now: () => START,
  });
  return { repeats, recentOf };
}

describe('RepeatedUpdates.messageHandled', () => {
  it('finds a message from before the start that made a job, or that a later job followed', () => {
    const { repeats } = repeatsWith([{ meta: { telegramChatId: -5, telegramMessageId: 12 } }]);
    expect(repeats.messageHandled('7', messageAt(START - 60_000, 12))).toBe(true);
    expect(repeats.messageHandled('7', messageAt(START - 60_000, 11))).toBe(true);
    expect(repeats.messageHandled('7', messageAt(START - 60_000, 13))).toBe(false);
  });

  it('does not look up a message sent well after this run started', () => {
    const { repeats, recentOf } = repeatsWith([{ meta: { telegramChatId: -5, telegramMessageId: 99 } }]);
    expect(repeats.messageHandled('7', messageAt(START + 10 * 60_000, 12))).toBe(false);
    expect(recentOf).not.toHaveBeenCalled();
    // Within the clock skew it still looks.
    expect(repeats.messageHandled('7', messageAt(START + 60_000, 12))).toBe(true);
    expect(recentOf).toHaveBeenCalledTimes(1);
  });
});
