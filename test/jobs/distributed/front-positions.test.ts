// What a front-end re-tells its own jobs from each read of the shared state (front-positions.ts), with the mirror
// set by hand: a job whose worker stopped keeps that word while no worker is alive (said again when the last one
// goes, since the render then words it for no worker), gets its place and time back when one comes, and a lost
// worker's job still in its run is told again at each change of the workers, until its run goes on.
import { describe, expect, it } from 'vitest';
import { FrontPositions } from '../../../src/jobs/distributed/front-positions.js';
import { emptySnapshot, type Snapshot } from '../../../src/jobs/distributed/shared-snapshot.js';
import { type JobEvent, JobEvents } from '../../../src/jobs/events.js';
import { FairScheduler } from '../../../src/jobs/scheduler.js';
import type { Job } from '../../../src/jobs/types.js';
import { aJob } from '../../commands/job-fixture.js';

function setup(now: () => number = Date.now) {
  const mirror: Snapshot = { ...emptySnapshot(), liveWorkers: 1, pace: { overall: 1, byType: new Map() } };
  const status = new Map<string, Job['status']>();
  const asked = new Set<string>();
  const events = new JobEvents();
  const heard: JobEvent[] = [];
  events.subscribe((e) => heard.push(e));
  const positions = new FrontPositions({
    scheduler: new FairScheduler({ agingMs: 600_000, maxRunningPerUser: 1 }),
    events,
    mirror: () => mirror,
    counters: () => mirror.counters,
    queued: () => mirror.queued,
    expectedMs: (job) => job.estimatedCost,
    measuredMs: (job) => job.estimatedCost,
    jobTimeoutMs: 60_000,
    status: (id) => status.get(id),
    cancelAsked: (id) => asked.has(id),
    get: (id) => mirror.queued.find((job) => job.id === id),
    now,
  });
  const told = () => heard.splice(0).map((e) => `${e.type}:${e.job.id}`);
  return { mirror, status, asked, positions, told, heard };
}

describe('front-end positions', () => {
  it('keeps a put-back job’s word while no worker is alive, then gives its place back', () => {
    const { mirror, status, positions, told } = setup();
    const other = aJob({ id: 'other', seq: 1, owner: { platform: 'web', userId: 'o' }, estimatedCost: 100 });
    const back = aJob({ id: 'back', seq: 2, estimatedCost: 100 });
    mirror.queued = [other, back];
    status.set('other', 'queued');
    status.set('back', 'queued');
    positions.told('other');
    // Its worker put it back and said so while the mirror still counted that worker.
    positions.heard({ type: 'paused', job: back, restarts: true, reason: 'worker' });
    positions.emit();
    expect(told()).toEqual([]);

    // The last worker is gone: the waiting job hears the no-worker place, the put-back one its word again.
    mirror.liveWorkers = 0;
    positions.emit();
    expect(told()).toEqual(['position:other', 'paused:back']);
    // Its place changes while none is alive: no place replaces the word.
    mirror.queued = [back];
    status.set('other', 'cancelled');
    positions.emit();
    expect(told()).toEqual([]);

    // A worker comes: place and time again; once started it is an ordinary job.
    mirror.liveWorkers = 1;
    positions.emit();
    expect(told()).toEqual(['position:back']);
    positions.heard({ type: 'started', job: back, etaMs: 100 });
    mirror.liveWorkers = 0;
    positions.emit();
    expect(told()).toEqual(['position:back']);
  });

  it('tells a job answered "cancelled" neither a place nor its worker’s word while its end is on its way', () => {
    const { mirror, status, asked, positions, told } = setup();
    const other = aJob({ id: 'other', seq: 1, owner: { platform: 'web', userId: 'o' }, estimatedCost: 100 });
    const back = aJob({ id: 'back', seq: 2, estimatedCost: 100 });
    mirror.queued = [other, back];
    status.set('other', 'queued');
    status.set('back', 'queued');
    positions.told('back');
    positions.heard({ type: 'paused', job: back, restarts: true, reason: 'worker' });
    // Its owner cancels it; Redis has not taken the write yet, so it still waits in the mirror.
    asked.add('back');
    mirror.queued = [back];
    status.set('other', 'cancelled');
    positions.emit();
    expect(told()).toEqual([]);
    mirror.liveWorkers = 0;
    positions.emit();
    expect(told()).toEqual([]);
  });

  it('tells a waiting job again when another joins its run: same place, but the run ends later', () => {
    const { mirror, status, positions, told, heard } = setup();
    mirror.maxBatch = 2;
    const first = aJob({ id: 'first', seq: 1, estimatedCost: 100 });
    const joins = aJob({ id: 'joins', seq: 2, owner: { platform: 'web', userId: 'o' }, estimatedCost: 100 });
    mirror.queued = [first];
    status.set('first', 'queued');
    expect(positions.told('first')).toEqual({ ahead: 0, etaMs: 0, endMs: 100 });
    positions.emit();
    expect(told()).toEqual([]);
    mirror.queued = [first, joins];
    status.set('joins', 'queued');
    expect(positions.told('joins')).toEqual({ ahead: 0, etaMs: 0, endMs: 200 });
    positions.emit();
    expect(heard.map((e) => (e.type === 'position' ? [e.job.id, e.endMs] : e.type))).toEqual([
      ['first', 200],
    ]);
  });

  it('tells a lost worker’s job again when the workers change, until its run goes on', () => {
    const { mirror, status, positions, told } = setup();
    const lost = aJob({ id: 'lost', status: 'running' });
    status.set('lost', 'running');
    positions.heard({ type: 'paused', job: lost, restarts: true, reason: 'worker_lost' });
    mirror.liveWorkers = 0;
    positions.emit();
    expect(told()).toEqual(['paused:lost']);
    mirror.liveWorkers = 1;
    positions.emit();
    expect(told()).toEqual(['paused:lost']);
    // Its worker came back and went on (a cut-off, not a death): its progress has the message from then on.
    positions.heard({ type: 'progress', job: lost, step: 2, total: 3 });
    mirror.liveWorkers = 0;
    positions.emit();
    expect(told()).toEqual([]);
  });

  it('counts a run’s elapsed time on the shared clock, not this machine’s', () => {
    // Redis's clock (the one the worker stamped startedAt with) is 5 minutes behind this machine's.
    const shared = Date.now() - 5 * 60_000;
    const { mirror, status, positions } = setup(() => shared);
    const running = aJob({
      id: 'running',
      status: 'running',
      estimatedCost: 10_000,
      startedAt: shared - 1000,
    });
    mirror.running = [{ jobs: [running], startedAt: shared - 1000 }];
    const waiting = aJob({ id: 'waiting', seq: 2, estimatedCost: 100 });
    mirror.queued = [waiting];
    status.set('waiting', 'queued');
    // 1 s of the 10 s run is over: the wait is the 9 s left, not 0 (a run "over" by this machine's clock).
    expect(positions.positionOf('waiting')).toEqual({ ahead: 1, etaMs: 9000, endMs: 9100 });
  });
});
