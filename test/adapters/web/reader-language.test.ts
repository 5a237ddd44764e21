// A job's reply read on the playground in another language than the one it was made in (a second browser, a
// /settings change since): its seconds, durations and reason are all in the reader's language, none in the maker's.
// Real commands, queue and server over HTTP; the jobs are stored as finished, so no engine runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../src/jobs/index.js';
import { aJob } from '../../commands/job-fixture.js';
import { send } from './http-client.js';
import { openPlaygroundOnDouble, type PlaygroundOnDouble } from './playground-server.js';

describe('a job read in another language than it was made in', () => {
  let playground: PlaygroundOnDouble;
  beforeAll(() => {
    playground = openPlaygroundOnDouble('reader-language');
  });
  afterAll(async () => {
    await playground.close();
  });

  it('shows the history’s lines wholly in the language of the page reading them', async () => {
    const { port } = await playground.start();
    const userId = '0b5e7a1c-0000-4000-8000-00000000a1e5';
    const { store } = playground.jobs;
    const stored = (over: Partial<Job>) => {
      const job = aJob({
        id: store.newId(),
        seq: store.nextSeq(),
        owner: { platform: 'web', userId },
        // Finished now: an older one's files would have been removed (RESULT_RETENTION_DAYS) before it is read.
        createdAt: Date.now(),
        finishedAt: Date.now(),
        ...over,
      });
      store.insert(job);
      return job;
    };
    stored({
      status: 'done',
      meta: { locale: 'de' },
      measuredMs: 13_500,
      result: { seed: 42, width: 256, height: 256 },
    });
    stored({
      status: 'failed',
      meta: { locale: 'en' },
      error: { key: 'errors.job.timeout', params: { limitMs: 120_000 } },
    });
    const lines = async (language: string) => {
      const answer = await send(port, '/api/history', {
        headers: { cookie: `dimoo_uid=${userId}`, 'accept-language': language },
      });
      const { entries } = JSON.parse(answer.body) as { entries: Array<{ reply: { lines: string[] } }> };
      return entries.map((entry) => entry.reply.lines.join('\n'));
    };
    expect(await lines('en')).toEqual([
      'Sorry, your job failed: Your job took longer than 2 minutes and was stopped.',
      'Done in 13.5 s (seed 42).',
    ]);
    const [failed, done] = await lines('de');
    expect(failed).toBe(
      'Leider ist dein Auftrag fehlgeschlagen: Dein Auftrag hat länger als 2 Minuten gedauert und wurde beendet.',
    );
    expect(done).toContain('13,5 s');
    expect(done).not.toContain('Done');
  });
});
