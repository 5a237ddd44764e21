// The session thread (session-thread.ts starts it): holds the engine's onnxruntime sessions and runs them, one
// request at a time in the order they came, so a run's synchronous native call blocks this thread, not the
// main thread's event loop. `busy` is set for as long as a request is inside onnxruntime: a process that exits
// meanwhile waits for it (session-thread.ts), since the binding aborts the process when its thread is torn down
// in the middle of a native call.
import { parentPort, workerData } from 'node:worker_threads';
import { openSession, type Session } from './ort.js';
import {
  BUSY,
  fromWire,
  IDLE,
  type OpenedOnThread,
  type SessionReply,
  type SessionRequest,
  toWire,
} from './session-wire.js';

if (!parentPort) throw new Error('session-worker.ts runs as a worker thread (session-thread.ts starts it)');
const port = parentPort;
const busy = new Int32Array((workerData as { busy: SharedArrayBuffer }).busy);
const sessions = new Map<number, Session>();
let opened = 0;

function sessionOf(id: number): Session {
  const session = sessions.get(id);
  if (!session) throw new Error(`session ${id} was released`);
  return session;
}

async function answer(request: SessionRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (request.kind) {
    case 'open': {
      const session = await openSession(request.model, request.options);
      sessions.set(++opened, session);
      const value: OpenedOnThread = {
        session: opened,
        inputNames: [...session.inputNames],
        outputNames: [...session.outputNames],
        inputMetadata: [...session.inputMetadata],
      };
      return { value, transfer: [] };
    }
    case 'run': {
      const feeds = fromWire(request.feeds);
      const session = sessionOf(request.session);
      const out = await (request.fetches ? session.run(feeds, request.fetches) : session.run(feeds));
      const { wire, transfer } = toWire(out, false);
      return { value: wire, transfer };
    }
    case 'release': {
      const session = sessionOf(request.session);
      sessions.delete(request.session);
      if (request.endProfiling) session.endProfiling();
      await session.release();
      return { value: undefined, transfer: [] };
    }
  }
}

async function handle(request: SessionRequest): Promise<void> {
  let reply: SessionReply;
  let transfer: ArrayBuffer[] = [];
  // The process is exiting (session-thread.ts): no native call may start now, and no one waits for the answer.
  if (Atomics.compareExchange(busy, 0, IDLE, BUSY) !== IDLE) return;
  try {
    const answered = await answer(request);
    reply = { id: request.id, ok: true, value: answered.value };
    transfer = answered.transfer;
  } catch (error) {
    reply = { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  } finally {
    Atomics.store(busy, 0, IDLE);
    Atomics.notify(busy, 0);
  }
  port.postMessage(reply, transfer);
}

let queue = Promise.resolve();
port.on('message', (request: SessionRequest) => {
  queue = queue.then(() => handle(request));
});
