// Holds on waiting jobs for the submission that replaces them (an edited request). Cancelled first and replaced
// later, the jobs would free their room under the caps while the replacement is prepared (parsed, its image
// downloaded), someone else could take it, and the replacement would be refused with the old request gone. Held,
// they keep their place and their room; the scheduler only does not start them. The replacing submission is judged
// without them and cancels them in the same synchronous step (`claim`). A hold lives in memory only: after a restart
// its jobs are simply queued.
import type { JobHold, SubmitInput } from './queue-types.js';
import { type Job, ownerKey } from './types.js';

/** A hold's life: held, then released or replaced, once; `ended` tells its queue. */
export abstract class HoldBase implements JobHold {
  state: JobHold['state'] = 'held';

  protected abstract ended(): void;

  release(): void {
    this.end('released');
  }

  end(state: 'replaced' | 'released'): void {
    if (this.state !== 'held') return;
    this.state = state;
    this.ended();
  }
}

class Hold extends HoldBase {
  constructor(
    readonly owner: string,
    readonly ids: ReadonlySet<string>,
    private readonly onEnd: (hold: Hold) => void,
  ) {
    super();
  }

  protected ended(): void {
    this.onEnd(this);
  }
}

/** What a submission makes of the holds it names. */
export interface Claim {
  /** The waiting jobs the caps count: all but the held ones it replaces. */
  counted: Job[];
  /** The held jobs it replaces, as they are once cancelled (stored with the new job, in one transaction). */
  replaced: Job[];
  /** Admitted: the holds end as replaced; refused: their jobs wait as before. */
  end(admitted: boolean): void;
}

export class JobHolds {
  private readonly byJob = new Map<string, Hold>();

  /** `released` is told when held jobs may start again (the worker may be waiting for work). */
  constructor(private readonly released: () => void) {}

  /** A hold on `jobs`: each waiting, `owner`'s and not held already; else undefined. */
  hold(jobs: ReadonlyArray<Job | undefined>, owner: string): JobHold | undefined {
    const holdable = (job: Job | undefined): job is Job =>
      job?.status === 'queued' && ownerKey(job.owner) === owner && !this.byJob.has(job.id);
    if (jobs.length === 0 || !jobs.every(holdable)) return undefined;
    const hold = new Hold(owner, new Set(jobs.map((job) => job.id)), (ended) => {
      for (const id of ended.ids) this.byJob.delete(id);
      if (ended.state === 'released') this.released();
    });
    for (const id of hold.ids) this.byJob.set(id, hold);
    return hold;
  }

  isHeld(id: string): boolean {
    return this.byJob.has(id);
  }

  /** The holds `input.replaces` names (only its owner's) among the `queued` jobs, cancelled as of `now`. */
  claim(queued: readonly Job[], input: Pick<SubmitInput, 'owner' | 'replaces'>, now: number): Claim {
    const holds = new Set<Hold>();
    for (const id of input.replaces ?? []) {
      const hold = this.byJob.get(id);
      if (hold?.owner === ownerKey(input.owner)) holds.add(hold);
    }
    const held = (job: Job) => [...holds].some((hold) => hold.ids.has(job.id));
    return {
      counted: queued.filter((job) => !held(job)),
      replaced: queued.filter(held).map((job) => ({ ...job, status: 'cancelled', finishedAt: now })),
      end: (admitted) => {
        for (const hold of holds) hold.end(admitted ? 'replaced' : 'released');
      },
    };
  }
}
