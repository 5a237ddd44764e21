// The update inbox (src/jobs/inbox.ts): bounded by count at every write and by age at start, an update kept again
// keeps its attempts, one handled too many times is given up rather than handed out again, and one set aside on
// purpose counts as never tried. One whose answer began is not handed out again, and one set aside is never so
// marked; a database from before that mark was kept takes it, its kept updates intact.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openJobDatabase } from '../../src/jobs/database.js';
import { INBOX_SCHEMA_V1 } from '../../src/jobs/inbox.js';
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

  it('an update whose answer began is taken as answered, not handed out again nor given up', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    inbox.add(updates(1, 3), 0, 1000);
    // Update 2 was tried once before already: its answer began in the second run.
    inbox.takeLeftovers(limits(1));
    inbox.add(updates(4, 1), 1, 1000);
    expect(inbox.answering(2)).toBe(true);
    expect(inbox.answering(2)).toBe(false);
    expect(inbox.answering(4)).toBe(true);
    expect(inbox.answering(9)).toBe(false);
    const { retry, givenUp, answered } = inbox.takeLeftovers(limits(2));
    expect(answered.map((e) => [e.updateId, e.answering])).toEqual([
      [2, true],
      [4, true],
    ]);
    expect(givenUp.map((e) => e.updateId)).toEqual([1, 3]);
    expect(retry).toEqual([]);
    expect(inbox.size).toBe(0);
  });

  it('a mark taken back (the message never left) hands the update out again at the next start', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    inbox.add(updates(1, 2), 0, 1000);
    expect(inbox.answering(1)).toBe(true);
    expect(inbox.answering(2)).toBe(true);
    expect(inbox.notAnswering(1)).toBe(true);
    // Once only, and never for a row that is not marked.
    expect(inbox.notAnswering(1)).toBe(false);
    expect(inbox.notAnswering(9)).toBe(false);
    const { retry, answered } = inbox.takeLeftovers(limits(1));
    expect(retry.map((e) => [e.updateId, e.answering])).toEqual([[1, false]]);
    expect(answered.map((e) => e.updateId)).toEqual([2]);
  });

  it('an update set aside on purpose is never marked: its request runs whole at the next start', () => {
    const inbox = new UpdateInbox(new Database(':memory:'));
    inbox.add(updates(1, 2), 0, 1000);
    // Something was said before it was set aside: the next start runs it all the same.
    expect(inbox.answering(1)).toBe(true);
    expect(inbox.postpone(1)).toBe(true);
    // The notice that it waits for the next start is no answer to it.
    expect(inbox.postpone(2)).toBe(true);
    expect(inbox.answering(2)).toBe(false);
    const { retry, answered } = inbox.takeLeftovers(limits(1));
    expect(retry.map((e) => [e.updateId, e.answering])).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(answered).toEqual([]);
  });
});

describe('the inbox of a database from before answers were marked (schema 1)', () => {
  it('gains the mark, its kept updates intact and not taken as answered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dimoo-inbox-v1-'));
    try {
      const old = new Database(join(dir, 'jobs.sqlite'));
      old.exec(INBOX_SCHEMA_V1);
      old
        .prepare('INSERT INTO inbox (update_id, received_at, attempts, body) VALUES (?, ?, ?, ?)')
        .run(5, 0, 1, '{"update_id":5}');
      old.pragma('user_version = 1');
      old.close();
      const db = openJobDatabase(dir);
      const inbox = new UpdateInbox(db);
      const { retry, answered } = inbox.takeLeftovers(limits(1));
      expect(retry.map((e) => [e.updateId, e.attempts, e.answering])).toEqual([[5, 2, false]]);
      expect(answered).toEqual([]);
      expect(inbox.answering(5)).toBe(true);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
