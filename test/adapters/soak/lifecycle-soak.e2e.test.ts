// The soak of issue 13, as a test: 200 jobs from 20 users over Discord and Telegram (real clients, in-repo
// fakes, a fast engine double) with duplicate deliveries, cancels and refused edits. Every job must end with its
// ending handled (edited in place, replied, or marked undelivered and listed for its owner), none lost, none made
// twice, no status message left live, no unhandled rejection. Counts only: no timing is asserted.
import { expect, it } from 'vitest';
import { DEFAULT_SOAK, runSoak } from './lifecycle-soak.js';

it('soak: 200 jobs, 20 users, both platforms, with duplicates, cancels and refused edits', {
  timeout: 150_000,
}, async () => {
  const { figures, jobs } = await runSoak(DEFAULT_SOAK);
  console.info(`lifecycle soak figures: ${JSON.stringify(figures)}`);
  expect(jobs.filter((job) => !job.jobId)).toEqual([]);
  // A Telegram request without a status message is only one whose first reply the bot could not confirm (the
  // connection broke, which a loaded machine makes happen): its ending then went anew, answering the request.
  expect(jobs.filter((job) => job.platform === 'telegram' && !job.statusRef && !job.unconfirmed)).toEqual([]);
  expect(jobs.filter((job) => job.unconfirmed && !job.undeliverable && job.delivery !== 'replied')).toEqual(
    [],
  );
  expect(figures.jobsCreated).toBe(DEFAULT_SOAK.jobs);
  expect(figures.duplicatedJobs).toBe(0);
  expect(figures.lost).toBe(0);
  expect(figures.deliveries.edited + figures.deliveries.replied + figures.deliveries.undelivered).toBe(
    DEFAULT_SOAK.jobs,
  );
  // Undelivered only where the plan made every road fail (a job that ended before its road was closed reached its
  // owner), and each one with a result is listed for its owner (a cancelled one has nothing to fetch).
  expect(jobs.filter((job) => job.delivery === 'undelivered' && !job.undeliverable)).toEqual([]);
  expect(figures.undeliveredResults).toBeGreaterThan(0);
  expect(figures.undeliveredListed).toBe(figures.undeliveredResults);
  // The fallback reply was exercised (refused final edits).
  expect(figures.deliveries.replied).toBeGreaterThan(0);
  expect((figures.statuses.queued ?? 0) + (figures.statuses.running ?? 0)).toBe(0);
  expect(jobs.filter((job) => job.statusLive)).toEqual([]);
  expect(figures.unhandledRejections).toBe(0);
});
