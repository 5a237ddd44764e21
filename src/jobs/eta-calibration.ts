// How long jobs take on this device, learnt from the jobs that ran: milliseconds per cost unit for the device and
// for each way of running, kept in the job store so ETAs survive a restart.
import type { JobStore } from './store.js';
import type { Job } from './types.js';

/** Before any job has run: a placeholder, too rough to show (the shared queue's workers start from it too). */
export const DEFAULT_MS_PER_UNIT = 0.002;
const CALIBRATION_WEIGHT = 0.5;

export class EtaCalibration {
  /** Job types that have run in this process. */
  private readonly warm = new Set<string>();

  constructor(
    private readonly store: Pick<JobStore, 'calibration' | 'setCalibration'>,
    private readonly device: () => string,
  ) {}

  /** Measured milliseconds per cost unit over every job type on this device (the fallback of `expectedMs`). */
  get msPerUnit(): number {
    return this.store.calibration(this.device())?.msPerUnit ?? DEFAULT_MS_PER_UNIT;
  }

  /**
   * Whether any job has run on this device yet. Until one has, `msPerUnit` is a placeholder that can be off by
   * orders of magnitude (the device and the checkpoint's size set it), so replies give no time.
   */
  get known(): boolean {
    return this.store.calibration(this.device()) !== undefined;
  }

  /**
   * How long the job should run: its cost at its own type's measured speed. The cost model gets the shape right
   * within a type but not the ratios between types (a describe decodes text, an outpaint encodes and decodes a
   * canvas), so each type learns its own milliseconds per unit; one not yet measured borrows the device's.
   */
  expectedMs(job: Pick<Job, 'request' | 'estimatedCost'>): number {
    const own = this.store.calibration(this.key(job))?.msPerUnit;
    return job.estimatedCost * (own ?? this.msPerUnit);
  }

  /**
   * As `expectedMs`, from measured paces only (not the placeholder): what admission may refuse a job on, and what a
   * run's budget judges. A type that never ran here is judged by the device's pace, as the shared queue judges it
   * (distributed/shared-pace.ts): judged by none, it would be admitted and batched up to `maxBatch` however long the
   * device says it takes. That device pace counts warm runs only (`warmKey`): a fresh install's first, cold run
   * would otherwise refuse other types on a pace several times too slow. A type whose only run was its cold first
   * one is not judged either: a cold pace is no ground to refuse a job on (run-batch.ts).
   */
  measuredMs(job: Pick<Job, 'request' | 'estimatedCost'>): number | undefined {
    const own = this.store.calibration(this.key(job));
    if (own) return own.samples > 0 ? job.estimatedCost * own.msPerUnit : undefined;
    // A database from before the warm row has none: such a type is not judged until a warm run here.
    const device = this.store.calibration(this.warmKey());
    return device === undefined ? undefined : job.estimatedCost * device.msPerUnit;
  }

  /** Feeds one run's milliseconds per unit into the device's and the job type's calibration. */
  learn(job: Pick<Job, 'request'>, observedMsPerUnit: number): void {
    this.update(this.device(), observedMsPerUnit);
    const key = this.key(job);
    // A type's first run in this process also warms its allocations for new shapes, and ML-Cache's opens its
    // session: several times a warm run. It only stands in while nothing better is
    // known, as a provisional pace (0 samples) that the next run replaces outright.
    const cold = !this.warm.has(key);
    this.warm.add(key);
    if (!cold) {
      this.update(key, observedMsPerUnit);
      this.update(this.warmKey(), observedMsPerUnit);
    } else if (this.store.calibration(key) === undefined)
      this.store.setCalibration(key, observedMsPerUnit, 0);
  }

  private update(key: string, observed: number): void {
    const calibration = this.store.calibration(key);
    const samples = (calibration?.samples ?? 0) + 1;
    // An exponential average weighted towards recent runs: a machine whose load changes is followed within a few
    // jobs. A provisional pace (0 samples) is replaced by the first real one.
    const msPerUnit = calibration
      ? calibration.msPerUnit + (observed - calibration.msPerUnit) * Math.max(1 / samples, CALIBRATION_WEIGHT)
      : observed;
    this.store.setCalibration(key, msPerUnit, samples);
  }

  /** The device's pace over warm runs only; `#` keeps it apart from every `device:type` row. */
  private warmKey(): string {
    return `${this.device()}#warm`;
  }

  /** `cpu:text_to_image`, `cuda:paint_grow`, …: the job's pace type on this device. */
  private key(job: Pick<Job, 'request'>): string {
    return `${this.device()}:${paceType(job)}`;
  }
}

/**
 * `text_to_image`, `paint_grow_cache`, …: one pace per way of running, as the engine's loops differ (ML-Cache
 * text-to-image and paint, describe's block cache, an image-to-image with a reference image, a paint that grows
 * the canvas). The shared queue's workers learn theirs by the same names (distributed/shared-pace.ts).
 */
export function paceType(job: Pick<Job, 'request'>): string {
  const { request } = job;
  let type: string = request.task;
  if (request.task === 'text_to_image' && request.cache) type = 'text_to_image_cache';
  if (request.task === 'understand' && request.cache) type = 'understand_cache';
  if (request.task === 'image_to_image' && request.refImage) type = 'image_to_image_ref';
  if (
    request.task === 'paint' &&
    (request.region.kind === 'extend' || request.region.kind === 'outpaint_ratio')
  )
    // Not `paint_extend`, the name of the paces learnt while an extend was priced at its source's size: against the
    // grown canvas's price (engine/cost.ts) those read 2-4× too slow, and admission would refuse on them.
    type = 'paint_grow';
  if (request.task === 'paint' && request.cache) type = `${type}_cache`;
  return type;
}
