import { describe, expect, it } from 'vitest';
import { JobStatusBoard, type StatusSurface } from '../../../adapters/shared/job-status.js';
import type { Reply } from '../../../commands/index.js';
import type { Job } from '../../../src/jobs/index.js';

const job = (id: string, createdAt = Date.now()) => ({ id, createdAt, meta: {} }) as unknown as Job;
const reply = (key: string, final = false): Reply => ({ text: [{ key }], final });

/** A surface that records calls; `refuse` names the calls that throw. */
function surface(log: string[], refuse: Array<'show' | 'finish' | 'reply'> = [], delayMs = 0): StatusSurface {
  const call = async (name: 'show' | 'finish' | 'reply', r: Reply) => {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    log.push(`${name}:${r.text[0]?.key}`);
    if (refuse.includes(name)) throw new Error(`${name} refused`);
  };
  return {
    show: (r) => call('show', r),
    finish: async (r) => {
      await call('finish', r);
      return true;
    },
    replyToUser: (r) => call('reply', r),
    tellUndelivered: async () => {
      log.push('told');
    },
  };
}

function board(undelivered: string[] = [], restore?: (job: Job) => StatusSurface | undefined) {
  return new JobStatusBoard({
    markUndelivered: (id) => undelivered.push(id),
    warn: () => undefined,
    restore,
    openGraceMs: 50,
  });
}

describe('JobStatusBoard', () => {
  it('waits for the first message, keeps a job’s calls in order, and lets nothing follow the final state', async () => {
    const log: string[] = [];
    const b = board();
    let sent: (s: StatusSurface) => void = () => undefined;
    b.open('a', new Promise((resolve) => (sent = resolve)));
    const first = b.show(job('a'), reply('p1'));
    const ending = b.finish(job('a'), reply('done', true));
    const late = b.show(job('a'), reply('p2'));
    sent(surface(log, [], 5));
    expect(await ending).toBe('edited');
    await Promise.all([first, late, b.show(job('a'), reply('p3')), b.finish(job('a'), reply('again', true))]);
    // Progress still waiting when the ending came is not shown: the ending replaces it.
    expect(log).toEqual(['finish:done']);
    const ordered: string[] = [];
    const c = board();
    c.open('c', Promise.resolve(surface(ordered, [], 5)));
    await c.show(job('c'), reply('p1'));
    await Promise.all([c.show(job('c'), reply('p2')), c.finish(job('c'), reply('done', true))]);
    expect(ordered).toEqual(['show:p1', 'finish:done']);
  });

  it('a refused edit falls back to a reply; a refused reply marks the job undelivered and says so', async () => {
    const log: string[] = [];
    const undelivered: string[] = [];
    const b = board(undelivered);
    b.open('r', Promise.resolve(surface(log, ['finish'])));
    expect(await b.finish(job('r'), reply('done', true))).toBe('replied');
    b.open('u', Promise.resolve(surface(log, ['finish', 'reply'])));
    expect(await b.finish(job('u'), reply('done', true))).toBe('undelivered');
    expect(undelivered).toEqual(['u']);
    expect(log).toEqual(['finish:done', 'reply:done', 'finish:done', 'reply:done', 'told']);
  });

  it('an ending before its status message is opened waits for it; with no message at all it is undelivered', async () => {
    const log: string[] = [];
    const undelivered: string[] = [];
    const b = board(undelivered);
    const early = b.finish(job('e'), reply('done', true));
    b.open('e', Promise.resolve(surface(log)));
    expect(await early).toBe('edited');
    expect(await b.finish(job('never'), reply('done', true))).toBe('undelivered');
    expect(undelivered).toEqual(['never']);
  });

  it('a job from before a restart is reopened from storage', async () => {
    const log: string[] = [];
    const b = board([], (j) => (j.createdAt < 1000 ? surface(log) : undefined));
    await b.show(job('old', 1), reply('p'));
    expect(await b.finish(job('old', 1), reply('done', true))).toBe('edited');
    await b.show(job('new'), reply('p'));
    expect(log).toEqual(['show:p', 'finish:done']);
  });

  it('tells the queue a failure was told only when its ending reached its owner (edited or replied)', async () => {
    const told: string[] = [];
    const b = new JobStatusBoard({
      markUndelivered: () => undefined,
      warn: () => undefined,
      failureTold: (id) => told.push(id),
    });
    const failed = (key: string): Reply => ({ ...reply(key, true), outcome: 'failed' });
    const cases = [
      ['edited', [], failed('x')],
      ['replied', ['finish'], failed('x')],
      ['undelivered', ['finish', 'reply'], failed('x')],
      ['done', [], { ...reply('done', true), outcome: 'done' }],
    ] as const;
    for (const [id, refuse, ending] of cases) {
      b.open(id, Promise.resolve(surface([], [...refuse])));
      await b.finish(job(id), ending);
    }
    expect(told).toEqual(['edited', 'replied']);
  });
});
