import { describe, expect, it } from 'vitest';
import type { StatusSurface } from '../../../adapters/shared/job-status.js';
import {
  JobStatusTracker,
  reporting,
  StatusMessageGone,
} from '../../../adapters/shared/job-status-tracker.js';
import type { Reply } from '../../../commands/index.js';
import type { Job } from '../../../src/jobs/index.js';

const job = { id: 'job-1', createdAt: Date.now(), meta: {} } as Job;
const state = (key: string, extra: Partial<Reply> = {}): Reply => ({ text: [{ key }], ...extra });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const image = (byte: number) => ({
  data: new Uint8Array([byte]),
  filename: 'p.png',
  mime: 'image/png' as const,
});

/** A surface that records what it shows: the text key and the first image's byte. */
function recording(log: string[], prepareMs?: number): StatusSurface {
  const entry = (r: Reply) => `${r.text[0]?.key}${r.images?.[0] ? `+${r.images[0].data[0]}` : ''}`;
  return {
    show: async (r) => {
      log.push(`show:${entry(r)}`);
    },
    finish: async (r) => {
      log.push(`finish:${entry(r)}`);
      return true;
    },
    replyToUser: async () => undefined,
    ...(prepareMs === undefined
      ? {}
      : {
          prepare: async (r: Reply) => {
            await sleep(prepareMs);
            return r;
          },
        }),
  };
}

function tracker(gapMs = 40) {
  return new JobStatusTracker({
    markUndelivered: () => undefined,
    warn: () => undefined,
    gaps: { privateMs: gapMs, groupMs: gapMs, globalMs: 0 },
    changes: (next, shown) => JSON.stringify(next) !== JSON.stringify(shown),
  });
}

describe('JobStatusTracker', () => {
  it('shows only the newest state at each turn, never an unchanged one, and nothing after the ending', async () => {
    const log: string[] = [];
    const t = tracker();
    const lane = { id: 'chat', shared: false };
    t.note(lane);
    t.open(job.id, lane, state('queued'), Promise.resolve(recording(log)));
    await t.update(job, state('step1'));
    await t.update(job, state('step2'));
    await t.update(job, state('step3'));
    await sleep(60);
    await t.update(job, state('step3'));
    await sleep(60);
    await t.update(job, state('step4'));
    await t.update(job, state('done', { final: true }));
    await sleep(60);
    expect(log).toEqual(['show:step3', 'finish:done']);
    t.stop();
  });

  it('shows an urgent state (the bot is stopping) at once, in place of what waited, and resolves once shown', async () => {
    const log: string[] = [];
    const t = tracker(10_000);
    const lane = { id: 'chat', shared: false };
    t.note(lane);
    t.open(job.id, lane, state('queued'), Promise.resolve(recording(log, 30)));
    const preview = t.update(job, state('step1', { images: [image(7)] }));
    await t.update(job, state('step2'));
    await t.update(job, state('restarting', { urgent: true }));
    // Shown already, though the lane's gap is ten seconds; the step and the preview that waited are not.
    expect(log).toEqual(['show:restarting']);
    await preview;
    await sleep(20);
    expect(log).toEqual(['show:restarting']);
    t.stop();
  });

  it('goes on after an urgent state that is not the end (a shared queue’s worker stopped): the next run shows', async () => {
    const log: string[] = [];
    const t = tracker(20);
    const lane = { id: 'chat', shared: false };
    t.open(job.id, lane, state('queued'), Promise.resolve(recording(log)));
    await t.update(job, state('step49'));
    await t.update(job, state('paused_worker', { urgent: true }));
    await t.update(job, state('started'));
    await sleep(40);
    await t.update(job, state('step1'));
    await sleep(40);
    await t.update(job, state('done', { final: true }));
    expect(log).toEqual(['show:paused_worker', 'show:started', 'show:step1', 'finish:done']);
    t.stop();
  });

  it('keeps a preview still being prepared when a text-only state comes meanwhile', async () => {
    const log: string[] = [];
    const t = tracker(20);
    const lane = { id: 'chat', shared: false };
    t.open(job.id, lane, state('queued'), Promise.resolve(recording(log, 30)));
    const preview = t.update(job, state('step1', { images: [image(7)] }));
    await t.update(job, state('step2'));
    await preview;
    await sleep(50);
    expect(log).toEqual(['show:step2', 'show:step2+7']);
    t.stop();
  });

  it('once the surface says its message is gone: no state is tried, the ending is a reply, nothing settles it', async () => {
    const log: string[] = [];
    const t = tracker(20);
    const lane = { id: 'chat', shared: false };
    const gone: StatusSurface = {
      show: async (r) => {
        log.push(`show:${r.text[0]?.key}`);
        throw new StatusMessageGone(new Error('Bad Request: message to edit not found'));
      },
      finish: async (r) => {
        log.push(`finish:${r.text[0]?.key}`);
        return true;
      },
      replyToUser: async (r) => {
        log.push(`reply:${r.text[0]?.key}`);
      },
      settle: async () => {
        log.push('settle');
      },
      tellUndelivered: async () => {
        log.push('told');
      },
    };
    t.open(job.id, lane, state('queued'), Promise.resolve(gone));
    for (const step of ['step1', 'step2', 'step3']) {
      await t.update(job, state(step));
      await sleep(40);
    }
    await t.update(job, state('done', { final: true }));
    expect(log).toEqual(['show:step1', 'reply:done']);
    t.stop();
  });

  it('an ending refused as gone goes as a reply, and nothing settles the message', async () => {
    const log: string[] = [];
    const deliveries: string[] = [];
    const t = new JobStatusTracker({
      markUndelivered: () => undefined,
      warn: () => undefined,
      gaps: { privateMs: 20, groupMs: 20, globalMs: 0 },
      changes: (next, shown) => JSON.stringify(next) !== JSON.stringify(shown),
      onDelivery: (_jobId, delivery) => deliveries.push(delivery),
    });
    const surface: StatusSurface = {
      ...recording(log),
      finish: async () => {
        throw new StatusMessageGone(new Error('Unknown Message'));
      },
      replyToUser: async (r) => {
        log.push(`reply:${r.text[0]?.key}`);
      },
      settle: async () => {
        log.push('settle');
      },
    };
    t.open(job.id, { id: 'chat', shared: false }, state('queued'), Promise.resolve(surface));
    await t.update(job, state('done', { final: true }));
    expect(log).toEqual(['reply:done']);
    expect(deliveries).toEqual(['replied']);
    t.stop();
  });

  it("restores a job created before the restart by the queue's clock, though after this machine's behind it", async () => {
    // A shared queue stamps jobs with Redis's clock, here 5 minutes ahead of this machine's: the job was created a
    // minute before this tracker by that clock, yet 4 minutes after it by this machine's.
    const queueNow = Date.now() + 5 * 60_000;
    const log: string[] = [];
    const restored: string[] = [];
    const t = new JobStatusTracker({
      markUndelivered: () => undefined,
      warn: () => undefined,
      gaps: { privateMs: 20, groupMs: 20, globalMs: 0 },
      changes: (next, shown) => JSON.stringify(next) !== JSON.stringify(shown),
      now: () => queueNow,
      restore: (j) => {
        restored.push(j.id);
        return { surface: recording(log), lane: { id: 'chat', shared: false } };
      },
    });
    const before = { ...job, id: 'before', createdAt: queueNow - 60_000 };
    const after = { ...job, id: 'after', createdAt: queueNow + 1000 };
    await t.update(before, state('step1'));
    await t.update(after, state('step1'));
    await sleep(60);
    expect(restored).toEqual(['before']);
    expect(log).toEqual(['show:step1']);
    t.stop();
  });
});

// A failure told while the database refused to store it (a full disk) whose job the next start runs again: the stop
// corrects it (`paused`, restarts, `corrects`). The one state that may follow an ending, and only it.
describe('JobStatusTracker: a correction of a failure told', () => {
  it('shows the correction where the failure went, after it; a plain state after an ending stays ignored', async () => {
    const log: string[] = [];
    const t = tracker(10_000);
    const lane = { id: 'chat', shared: false };
    t.open(job.id, lane, state('queued'), Promise.resolve(recording(log)));
    await t.update(job, state('failed', { final: true, outcome: 'failed' }));
    await t.update(job, state('step1', { urgent: true }));
    expect(log).toEqual(['finish:failed']);
    await t.update(job, state('paused_restart', { urgent: true, corrects: true }));
    expect(log).toEqual(['finish:failed', 'show:paused_restart']);
    // Told once: the same correction again changes nothing.
    await t.update(job, state('paused_restart', { urgent: true, corrects: true }));
    expect(log).toEqual(['finish:failed', 'show:paused_restart']);
    t.stop();
  });

  it('goes as a reply where the failure went as one (the status message could not carry it)', async () => {
    const log: string[] = [];
    const t = tracker(10_000);
    const lane = { id: 'chat', shared: false };
    const surface: StatusSurface = {
      show: async (r) => void log.push(`show:${r.text[0]?.key}`),
      finish: async () => false,
      replyToUser: async (r) => void log.push(`reply:${r.text[0]?.key}`),
    };
    t.open(job.id, lane, state('queued'), Promise.resolve(surface));
    await t.update(job, state('failed', { final: true, outcome: 'failed' }));
    await t.update(job, state('paused_restart', { urgent: true, corrects: true }));
    expect(log).toEqual(['reply:failed', 'reply:paused_restart']);
    t.stop();
  });

  it('before any ending, is an urgent state like any other', async () => {
    const log: string[] = [];
    const t = tracker(10_000);
    const lane = { id: 'chat', shared: false };
    t.open(job.id, lane, state('queued'), Promise.resolve(recording(log)));
    await t.update(job, state('paused_restart', { urgent: true, corrects: true }));
    expect(log).toEqual(['show:paused_restart']);
    t.stop();
  });

  it('corrects nothing but a failure: a cancel or a result shown stays', async () => {
    for (const outcome of ['cancelled', 'done'] as const) {
      const log: string[] = [];
      const t = tracker(10_000);
      const lane = { id: 'chat', shared: false };
      t.open(job.id, lane, state('queued'), Promise.resolve(recording(log)));
      await t.update(job, state(outcome, { final: true, outcome }));
      await t.update(job, state('paused_restart', { urgent: true, corrects: true }));
      expect(log).toEqual([`finish:${outcome}`]);
      t.stop();
    }
  });
});

describe("an adapter's reporting options", () => {
  it("pass the queue's failureTold to the board: called once a failed ending was edited in", async () => {
    const told: string[] = [];
    const t = new JobStatusTracker({
      ...reporting({
        deliveries: { markUndelivered: () => undefined },
        log: { warn: () => undefined },
        failureTold: (id) => told.push(id),
      }),
      gaps: { privateMs: 0, groupMs: 0, globalMs: 0 },
      changes: () => true,
    });
    t.open(job.id, { id: 'chat', shared: false }, state('queued'), Promise.resolve(recording([])));
    await t.update(job, state('failed', { final: true, outcome: 'failed' }));
    expect(told).toEqual([job.id]);
  });
});
