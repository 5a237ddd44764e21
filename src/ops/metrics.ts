// What operators scrape (prom-client, Prometheus text format). Job metrics come from job events, so the single
// process, a front-end (its own jobs) and a worker (the jobs it runs) all count the same way; sum them across
// instances. Queue depth is the shared queue as this process sees it (every front-end reports the same figure: take
// the max, not the sum).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Job, JobEvent } from '../jobs/index.js';

const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];
const RUN_BUCKETS = [1, 5, 10, 20, 40, 60, 120, 300, 900];
const STEP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

/**
 * A duration between two wall-clock times, in seconds. The clock may have stepped back in between (an NTP
 * correction, a restart on a host whose clock is behind): a negative observation would pull a histogram's sum, and
 * every rate derived from it, below what really happened, so it counts as 0.
 */
function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}

export interface DepthSource {
  /** Waiting jobs by priority class. */
  depth(): { normal: number; high: number };
}

export interface AdapterStates {
  /** Each adapter this process runs, with why it cannot hear its platform (undefined while it can). */
  states(): Array<{ name: string; reason?: string }>;
}

export class BotMetrics {
  readonly registry = new Registry();
  private readonly wait: Histogram<'kind'>;
  private readonly run: Histogram<'kind'>;
  private readonly outcomes: Counter<'kind' | 'outcome'>;
  private readonly step: Histogram;
  private readonly deviceMemory: Gauge<'kind'>;
  private readonly lastProgress = new Map<string, number>();
  private busySince: number | undefined;
  private busyMs = 0;
  // The busy ratio's times are the monotonic clock's: a wall clock stepped back (NTP, a resumed VM) would make it
  // negative, or above 1 when stepped forward.
  private readonly since = performance.now();

  /** `worker: null` (a front-end of a shared queue) runs no job here, so it reports no busy ratio. */
  constructor(
    options: {
      depth?: DepthSource;
      worker?: string | null;
      leader?: () => boolean;
      adapters?: AdapterStates;
    } = {},
  ) {
    const registers = [this.registry];
    const { depth, leader, adapters } = options;
    // The process's own (process_resident_memory_bytes, process_cpu_seconds_total, nodejs_eventloop_lag_seconds…):
    // a bot whose memory grows or whose event loop stalls under a big model is seen before its users notice.
    collectDefaultMetrics({ register: this.registry });
    if (adapters)
      new Gauge({
        name: 'dimoo_adapter_up',
        help: 'Whether each chat adapter hears its platform (1) or not (0, /readyz says why)',
        labelNames: ['adapter'],
        registers,
        collect() {
          // Rebuilt at every scrape: an adapter that stopped drops out instead of reporting its last value.
          this.reset();
          for (const { name, reason } of adapters.states())
            this.set({ adapter: name }, reason === undefined ? 1 : 0);
        },
      });
    new Gauge({
      name: 'dimoo_queue_depth',
      help: 'Jobs waiting in the queue, by priority',
      labelNames: ['priority'],
      registers,
      collect() {
        if (!depth) return;
        const { normal, high } = depth.depth();
        this.set({ priority: 'normal' }, normal);
        this.set({ priority: 'high' }, high);
      },
    });
    this.wait = new Histogram({
      name: 'dimoo_job_wait_seconds',
      help: 'Time from submission to start, by job type',
      labelNames: ['kind'],
      buckets: WAIT_BUCKETS,
      registers,
    });
    this.run = new Histogram({
      name: 'dimoo_job_run_seconds',
      help: 'Time from start to end of a run, by job type',
      labelNames: ['kind'],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.outcomes = new Counter({
      name: 'dimoo_jobs_total',
      help: 'Finished jobs by type and outcome (done, failed, cancelled)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.step = new Histogram({
      name: 'dimoo_engine_step_seconds',
      help: 'Time between two progress steps of a running job',
      buckets: STEP_BUCKETS,
      registers,
    });
    const self = this;
    const worker = options.worker === undefined ? 'local' : options.worker;
    if (worker !== null)
      new Gauge({
        name: 'dimoo_worker_busy_ratio',
        help: 'Share of time since start this worker spent running jobs',
        labelNames: ['worker'],
        registers,
        collect() {
          const now = performance.now();
          const busy = self.busyMs + (self.busySince === undefined ? 0 : now - self.busySince);
          this.set({ worker }, busy / Math.max(1, now - self.since));
        },
      });
    this.deviceMemory = new Gauge({
      name: 'dimoo_device_memory_bytes',
      help: 'Device memory the engine plans within (kind: budget, when DEVICE_MEMORY_GB sets it)',
      labelNames: ['kind'],
      registers,
    });
    if (leader)
      new Gauge({
        name: 'dimoo_dispatcher_leader',
        help: '1 while this front-end holds the dispatcher lease',
        registers,
        collect() {
          this.set(leader() ? 1 : 0);
        },
      });
  }

  /** Feeds one job event (subscribe this to a queue). */
  observe(event: JobEvent): void {
    const { job } = event;
    switch (event.type) {
      case 'started':
        if (job.startedAt !== undefined)
          this.wait.observe({ kind: job.kind }, seconds(job.startedAt - job.createdAt));
        this.lastProgress.set(job.id, performance.now());
        this.setBusy(true);
        break;
      case 'progress': {
        // The finishing report comes straight after the last step: it is no step to time.
        if (event.phase !== undefined) break;
        const now = performance.now();
        const last = this.lastProgress.get(job.id);
        if (last !== undefined) this.stepTime((now - last) / 1000);
        this.lastProgress.set(job.id, now);
        break;
      }
      case 'done':
      case 'failed':
      case 'cancelled':
        this.finished(job, event.type);
        break;
      default:
        break;
    }
  }

  private finished(job: Job, outcome: 'done' | 'failed' | 'cancelled'): void {
    this.outcomes.inc({ kind: job.kind, outcome });
    if (job.startedAt !== undefined && job.finishedAt !== undefined && this.lastProgress.has(job.id))
      this.run.observe({ kind: job.kind }, seconds(job.measuredMs ?? job.finishedAt - job.startedAt));
    if (this.lastProgress.delete(job.id) && this.lastProgress.size === 0) this.setBusy(false);
  }

  stepTime(seconds: number): void {
    this.step.observe(seconds);
  }

  setBusy(busy: boolean): void {
    const now = performance.now();
    if (busy && this.busySince === undefined) this.busySince = now;
    if (!busy && this.busySince !== undefined) {
      this.busyMs += now - this.busySince;
      this.busySince = undefined;
    }
  }

  deviceMemoryBytes(kind: 'budget', bytes: number): void {
    this.deviceMemory.set({ kind }, bytes);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function depthOf(jobs: readonly Pick<Job, 'priority'>[]): { normal: number; high: number } {
  let high = 0;
  for (const job of jobs) if (job.priority === 'high') high++;
  return { normal: jobs.length - high, high };
}
