// ETA calibration across a type's cold first run: the first run in a process opens graphs and warms allocations,
// so it only stands in until the next run, and never overrides a pace learnt before a restart.
import { describe, expect, it } from 'vitest';
import { EtaCalibration } from '../../src/jobs/eta-calibration.js';
import type { Job } from '../../src/jobs/types.js';

/** The two calibration calls of JobStore, over a Map (a restart keeps the Map, as the database survives). */
class CalibrationMapDouble {
  readonly rows = new Map<string, { msPerUnit: number; samples: number }>();
  calibration(key: string) {
    return this.rows.get(key);
  }
  setCalibration(key: string, msPerUnit: number, samples: number) {
    this.rows.set(key, { msPerUnit, samples });
  }
}

const describeJob = {
  request: { task: 'understand', image: { file: 'input.png' } },
  estimatedCost: 1000,
} as Pick<Job, 'request' | 'estimatedCost'>;

describe('EtaCalibration', () => {
  it("a type's first run is provisional: the next run replaces it, later runs average", () => {
    const eta = new EtaCalibration(new CalibrationMapDouble(), () => 'cpu');
    eta.learn(describeJob, 10); // a cold first run: five times a warm one
    expect(eta.expectedMs(describeJob)).toBe(10_000);
    eta.learn(describeJob, 2);
    expect(eta.expectedMs(describeJob)).toBe(2000);
    eta.learn(describeJob, 4);
    expect(eta.expectedMs(describeJob)).toBe(3000);
  });

  it('after a restart, the cold first run leaves the learnt pace alone; warm runs go on averaging', () => {
    const store = new CalibrationMapDouble();
    const before = new EtaCalibration(store, () => 'cpu');
    for (const ms of [9, 3, 3]) before.learn(describeJob, ms);
    expect(before.expectedMs(describeJob)).toBe(3000);
    const after = new EtaCalibration(store, () => 'cpu');
    after.learn(describeJob, 30);
    expect(after.expectedMs(describeJob)).toBe(3000);
    after.learn(describeJob, 5);
    expect(after.expectedMs(describeJob)).toBe(4000);
  });

  it('the device-wide pace (the fallback for unmeasured types) learns from every run', () => {
    const eta = new EtaCalibration(new CalibrationMapDouble(), () => 'cpu');
    eta.learn(describeJob, 10);
    eta.learn(describeJob, 2);
    expect(eta.msPerUnit).toBe(6);
  });

  it("judges a type that never ran by the device's warm runs only, not by another type's cold first run", () => {
    const store = new CalibrationMapDouble();
    const eta = new EtaCalibration(store, () => 'cpu');
    const imagine = {
      request: { task: 'text_to_image', prompt: 'a fox', width: 512, height: 512 },
      estimatedCost: 1000,
    } as Pick<Job, 'request' | 'estimatedCost'>;
    // A fresh install's first run: cold, several times a warm one. ETAs may use it; refusals may not.
    eta.learn(imagine, 10);
    expect(eta.expectedMs(describeJob)).toBe(10_000);
    expect(eta.measuredMs(describeJob)).toBeUndefined();
    // A warm run: now the device's pace judges a type that never ran.
    eta.learn(imagine, 2);
    expect(eta.measuredMs(describeJob)).toBe(2000);
  });

  it('reads a database from before the warm pace as no warm pace: an unmeasured type is not judged', () => {
    const store = new CalibrationMapDouble();
    store.setCalibration('cpu', 10, 3);
    const eta = new EtaCalibration(store, () => 'cpu');
    expect(eta.expectedMs(describeJob)).toBe(10_000);
    expect(eta.measuredMs(describeJob)).toBeUndefined();
  });

  it("a describe with the block cache learns a pace of its own, apart from upstream's decoding", () => {
    const store = new CalibrationMapDouble();
    const eta = new EtaCalibration(store, () => 'cpu');
    const cached = { ...describeJob, request: { ...describeJob.request, cache: true } } as typeof describeJob;
    for (const ms of [9, 3]) eta.learn(describeJob, ms);
    for (const ms of [4, 1]) eta.learn(cached, ms);
    expect(eta.expectedMs(describeJob)).toBe(3000);
    expect(eta.expectedMs(cached)).toBe(1000);
    expect([...store.rows.keys()]).toContain('cpu:understand_cache');
  });

  it("an outpaint made before extends were priced at their grown canvas does not lend its pace to today's price", () => {
    const store = new CalibrationMapDouble();
    // Paces saved by an older version: an extend then cost its source's size, so per unit it read about 4× slower.
    store.setCalibration('cpu:paint_extend', 8, 12);
    store.setCalibration('cpu:paint_extend_cache', 8, 12);
    store.setCalibration('cpu', 2, 40);
    store.setCalibration('cpu#warm', 2, 40);
    const eta = new EtaCalibration(store, () => 'cpu');
    const zoom = {
      request: {
        task: 'paint',
        prompt: 'a fox',
        image: { file: 'input.png' },
        region: { kind: 'extend', top: 0.5, bottom: 0.5, left: 0.5, right: 0.5 },
      },
      estimatedCost: 1000,
    } as Pick<Job, 'request' | 'estimatedCost'>;
    const cachedZoom = { ...zoom, request: { ...zoom.request, cache: true } } as typeof zoom;
    // Judged by the device's warm pace until an outpaint runs again, not refused on the old 8 ms a unit.
    expect(eta.measuredMs(zoom)).toBe(2000);
    expect(eta.expectedMs(zoom)).toBe(2000);
    expect(eta.measuredMs(cachedZoom)).toBe(2000);
    eta.learn(zoom, 3);
    eta.learn(zoom, 3);
    expect(eta.measuredMs(zoom)).toBe(3000);
    expect(store.rows.get('cpu:paint_extend')).toEqual({ msPerUnit: 8, samples: 12 });
  });
});
