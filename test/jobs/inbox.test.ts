// The update inbox (src/jobs/inbox.ts): bounded by count at every write and by age at start, an update kept again
// keeps its attempts, one handled too many times is given up rather than handed out again, and one set aside on
// purpose counts as never tried.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { UpdateInbox } from '../../src/jobs/index.js';

const HOUR = 3_600_000;
const limits = (now: number) => ({ now, keep: 1000, maxAgeMs: 24 * HOUR, maxAttempts: 2 });
const updates = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ updateId: from + i, body: `{"update_id":${from + i}}` }));

describe('UpdateInbox', () => {
  it('keeps only the most recent updates, however many arrive', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    for (let batch = 0; batch < 11; batch++) inbox.add(updates(batch * 100, 100), 0, 1000);
    expect(inbox.size).toBe(1000);
    const { retry } = inbox.takeLeftovers(limits(HOUR));
    expect(retry.map((e) => e.updateId)).toEqual(updates(100, 1000).map((u) => u.updateId));
  });

  it('forgets at start what arrived more than a day ago, and hands out the rest in arrival order', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    inbox.add(updates(10, 2), 0, 1000);
    // After a week without updates Telegram's ids start anywhere: arrival order, not the id, is the order.
    inbox.add(updates(5, 1), 20 * HOUR, 1000);
    inbox.add(updates(7, 1), 21 * HOUR, 1000);
    const { retry, givenUp, expired } = inbox.takeLeftovers(limits(25 * HOUR));
    expect(expired).toBe(2);
    expect(givenUp).toEqual([]);
    expect(retry.map((e) => [e.updateId, e.attempts])).toEqual([
      [5, 2],
      [7, 2],
    ]);
    expect(JSON.parse(retry[0]?.body ?? '')).toEqual({ update_id: 5 });
  });

  it('gives up an update handled twice, and an update kept again keeps its attempts', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    inbox.add(updates(1, 2), 0, 1000);
    expect(inbox.takeLeftovers(limits(1)).retry.map((e) => e.updateId)).toEqual([1, 2]);
    // Telegram delivers one of them again (never confirmed): its row is the same row.
    inbox.add(updates(2, 1), 2, 1000);
    inbox.remove(1);
    const second = inbox.takeLeftovers(limits(3));
    expect(second.retry).toEqual([]);
    expect(second.givenUp.map((e) => [e.updateId, e.attempts])).toEqual([[2, 2]]);
    expect(inbox.size).toBe(0);
  });

  it('an update postponed on purpose counts as never tried: a stop that set it aside is no crash', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    inbox.add(updates(1, 1), 0, 1000);
    expect(inbox.postpone(1)).toBe(true);
    expect(inbox.postpone(2)).toBe(false);
    expect(inbox.takeLeftovers(limits(1)).retry.map((e) => [e.updateId, e.attempts])).toEqual([[1, 1]]);
    // It dies once handled at the next start: tried again once more, as any update.
    expect(inbox.takeLeftovers(limits(2)).retry.map((e) => [e.updateId, e.attempts])).toEqual([[1, 2]]);
    expect(inbox.takeLeftovers(limits(3)).givenUp.map((e) => e.updateId)).toEqual([1]);
  });
});
