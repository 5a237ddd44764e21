// A waiting job answered "cancelled" whose cancel Redis refuses (out of memory, a read-only replica): until that
// write lands, the job is still on its owner's waiting list in Redis, and admission counts it, so that no user has
// more jobs in Redis than the limit. What its owner is told of their jobs meanwhile must agree with that count: the
// job is listed as stopping (`beingCancelled`, /queue's "is stopping" line), not hidden, so "You already have N jobs
// waiting" names the jobs /queue shows.
import { describe, expect, it, onTestFinished } from 'vitest';
import { Commands } from '../../../commands/commands.js';
import { t } from '../../../src/i18n.js';
import type { Owner } from '../../../src/jobs/types.js';
import { ownerKey } from '../../../src/jobs/types.js';
import {
  clustersClosedAfterEach,
  type FrontEndOnRedis,
  refuseWrite,
  skipWithoutRedis,
  submitImagine,
} from './redis-harness.js';

const skip = await skipWithoutRedis();
const owner: Owner = { platform: 'discord', userId: 'refused-admission' };
const startCluster = clustersClosedAfterEach();

describe.skipIf(skip)('a waiting job whose cancel Redis refuses', () => {
  it('is counted by admission and listed as stopping, so the refusal names the jobs its owner sees', async () => {
    const cluster = await startCluster({ frontEnds: 1, workers: 0, limits: { maxPerUser: 3 } });
    const fe = cluster.frontEnds[0] as FrontEndOnRedis;
    const jobs = ['a fox', 'an owl', 'a wren'].map((prompt) => submitImagine(fe, owner, prompt));
    await fe.queue.flush();
    const [first] = jobs;
    if (!first) throw new Error('no job');
    refuseWrite(fe.state, 'unqueue');
    expect(fe.queue.cancel(first.id, owner)).toBe('cancelled');

    const mine = (list: readonly { owner: Owner; id: string }[]) =>
      list.filter((j) => ownerKey(j.owner) === ownerKey(owner)).map((j) => j.id);
    // Not waiting for its owner any more (no place, no Cancel), but stopping.
    expect(mine(fe.queue.plannedOrder())).not.toContain(first.id);
    expect(mine(fe.queue.beingCancelled() ?? [])).toEqual([first.id]);

    const refused = fe.queue.submit({
      owner,
      scope: 'guild:1',
      kind: 'imagine',
      request: { task: 'text_to_image', prompt: 'a crane', width: 256, height: 256 },
    });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.refusal.key).toBe('errors.queue.user_full');
    const shown = mine(fe.queue.plannedOrder()).length + mine(fe.queue.beingCancelled() ?? []).length;
    expect(refused.refusal.params.count).toBe(shown);

    // What /queue shows its owner: the three jobs the refusal counts, the cancelled one as stopping.
    const commands = new Commands({
      queue: fe.queue,
      store: fe.store,
      config: {
        defaultLocale: 'en',
        limits: {
          rateLimitPerMinute: 0,
          maxInputBytes: 200_000,
          maxInputPixels: 1_000_000,
          blockedWords: [],
        },
      },
    });
    onTestFinished(() => commands.closeUpdates());
    const list = await commands.runText(
      commands.context({ user: owner, scope: 'guild:1', language: 'en' }),
      '/queue',
    );
    const lines = (list?.text ?? []).filter((line) => line.key.startsWith('queue.mine_'));
    expect(lines.map((line) => line.key)).toEqual([
      'queue.mine_stopping',
      'queue.mine_queued_unmeasured',
      'queue.mine_queued_unmeasured',
    ]);
    expect(lines).toHaveLength(Number(refused.refusal.params.count));
    expect(t('en', refused.refusal.key, refused.refusal.params)).toContain('3 jobs');
  });
});
