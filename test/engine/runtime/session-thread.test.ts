import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder } from '../../../engine/onnx/graph.js';
import { openSession, runSession, type Session, Tensor } from '../../../engine/runtime/ort.js';
import { openOnThread } from '../../../engine/runtime/session-thread.js';
import { runNode } from '../../node-child.js';
import { slowFeeds, slowModel } from './slow-model.js';

function negModel(): Uint8Array {
  const g = new GraphBuilder('neg');
  g.output(g.op('Neg', [g.input('x', 'float32', [2])]), 'y', 'float32', [2]);
  return encodeModel(g);
}

/** Which ends first: a run, or a timer set for 5 ms after the run was asked for. */
async function firstToEnd(session: Session): Promise<string[]> {
  const feeds = slowFeeds();
  await session.run(feeds);
  const ended: string[] = [];
  const run = session.run(feeds).then(() => ended.push('run'));
  setTimeout(() => ended.push('timer'), 5);
  await run;
  await new Promise((resolve) => setTimeout(resolve, 20));
  return ended;
}

describe('openOnThread', () => {
  it("runs off the main thread: a timer falls due and fires during the run (on this thread it waits for the run's end)", async () => {
    const here = await openSession(slowModel(), { intraOpNumThreads: 1 });
    expect(await firstToEnd(here)).toEqual(['run', 'timer']);
    await here.release();
    const there = await openOnThread(slowModel(), { intraOpNumThreads: 1 });
    expect(await firstToEnd(there)).toEqual(['timer', 'run']);
    await there.release();
  });

  it('answers as the session would: names, metadata, outputs; the feeds stay the caller’s', async () => {
    const here = await openSession(negModel());
    const there = await openOnThread(negModel(), {});
    expect(there.inputNames).toEqual(here.inputNames);
    expect(there.outputNames).toEqual(here.outputNames);
    expect(there.inputMetadata).toEqual(here.inputMetadata);
    const x = new Tensor('float32', Float32Array.of(1.5, -2), [2]);
    const out = await there.run({ x });
    expect(out.y?.type).toBe('float32');
    expect(out.y?.dims).toEqual([2]);
    expect(Array.from(out.y?.data as Float32Array)).toEqual([-1.5, 2]);
    // Sent as a copy: the caller's array is not detached by the transfer.
    expect(Array.from(x.data as Float32Array)).toEqual([1.5, -2]);
    expect(Object.keys(await there.run({ x }, ['y']))).toEqual(['y']);
    await here.release();
    await there.release();
  });

  it("a failed run rejects with onnxruntime's message and the feeds' shapes; the session runs on", async () => {
    const session = await openOnThread(negModel(), {});
    const wrong = { x: new Tensor('float32', Float32Array.of(1, 2, 3), [3]) };
    await expect(runSession(session, wrong)).rejects.toThrow(/\n {2}inputs: x float32\[3\]$/);
    const out = await runSession(session, { x: new Tensor('float32', Float32Array.of(4, 5), [2]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([-4, -5]);
    await session.release();
  });

  it('a model onnxruntime cannot read is refused with its message, and the thread opens the next one', async () => {
    await expect(openOnThread(Uint8Array.of(1, 2, 3, 4), {})).rejects.toThrow(/protobuf|model/i);
    const session = await openOnThread(negModel(), {});
    const out = await session.run({ x: new Tensor('float32', Float32Array.of(1, 1), [2]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([-1, -1]);
    await session.release();
  });

  it('the thread ends with its last session; a released session cannot run; a later open starts a new thread', async () => {
    const first = await openOnThread(negModel(), {});
    const second = await openOnThread(negModel(), {});
    await first.release();
    const x = new Tensor('float32', Float32Array.of(3, 3), [2]);
    await expect(first.run({ x })).rejects.toThrow(/session \d+ was released/);
    expect(Array.from((await second.run({ x })).y?.data as Float32Array)).toEqual([-3, -3]);
    await second.release();
    await expect(second.run({ x })).rejects.toThrow(/thread stopped \(its last session was released\)/);
    const third = await openOnThread(negModel(), {});
    expect(Array.from((await third.run({ x })).y?.data as Float32Array)).toEqual([-3, -3]);
    await third.release();
  });

  it('a session released twice counts off once: another session on the shared thread runs on', async () => {
    const first = await openOnThread(negModel(), {});
    const second = await openOnThread(negModel(), {});
    await first.release();
    await first.release();
    const x = new Tensor('float32', Float32Array.of(2, 2), [2]);
    expect(Array.from((await second.run({ x })).y?.data as Float32Array)).toEqual([-2, -2]);
    await second.release();
  });

  it('a request that cannot be sent to the thread is refused, and leaves nothing waiting', async () => {
    const session = await openOnThread(negModel(), {});
    // A function cannot be copied to another thread.
    const unsendable = { logId: (() => 'x') as unknown as string };
    await expect(openOnThread(negModel(), unsendable)).rejects.toThrow(/could not be cloned/);
    const x = new Tensor('float32', Float32Array.of(5, 5), [2]);
    expect(Array.from((await session.run({ x })).y?.data as Float32Array)).toEqual([-5, -5]);
    await session.release();
  });

  it('a thread started early and never used keeps no process alive', async () => {
    const ended = await runNode(['--import', 'tsx', 'test/engine/runtime/fixtures/idle-thread.ts']);
    expect(ended).toMatchObject({ code: 0, signal: null });
  });

  it("a process that exits during a run ends with its own exit code, not the binding's abort", async () => {
    const ended = await runNode(['--import', 'tsx', 'test/engine/runtime/fixtures/exit-during-run.ts']);
    expect(ended.err).not.toMatch(/terminate called|Aborted/);
    expect(ended).toMatchObject({ code: 7, signal: null });
  });
});
