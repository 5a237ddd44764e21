// onnxruntime-node's run is a synchronous native call on the thread that makes it (1.29.0: inside a setImmediate),
// so on the main thread every step and every VQ decode stalls the event loop for as long as it runs: the
// playground's server, the chat platforms' sockets, the queue's timers (measured: a 1024² step 0.2–0.5 s on a
// CPU, a decode up to 1.2 s; the 8B model's steps far longer). The engine's sessions live on one worker thread
// (session-worker.ts) instead, and the main thread holds proxies that look like sessions.
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../api.js';
import { startEngineWorker } from './engine-worker.js';
import type { Feeds, Outputs, Session, SessionOptions, ValueMetadata } from './ort.js';
import {
  BUSY,
  EXITING,
  fromWire,
  IDLE,
  type OpenedOnThread,
  type SessionReply,
  type SessionRequest,
  toWire,
  type WireTensors,
} from './session-wire.js';

/**
 * A dead thread (a crash, an exit) is the engine's internal failure, said so: its reason (a worker out of JS heap)
 * must not read as the device's out of memory, which would tell every later user to try a smaller image.
 */
function threadStopped(why: string): EngineError {
  const detail = `the onnxruntime thread stopped (${why})`;
  return new EngineError('internal', detail, { detail: 'the onnxruntime thread stopped' });
}

type Request = SessionRequest extends infer R ? (R extends SessionRequest ? Omit<R, 'id'> : never) : never;

class SessionThread {
  private readonly worker: Worker;
  private readonly busy = new Int32Array(new SharedArrayBuffer(4));
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private lastId = 0;
  /** The sessions open on this thread, by the thread's ids (each released once: `ThreadSession.release`). */
  private readonly sessions = new Set<number>();
  private stopped: string | undefined;

  constructor(private readonly onStop: (thread: SessionThread) => void) {
    this.worker = startEngineWorker('session-worker', {
      workerData: { busy: this.busy.buffer },
      // A worker's native stack is 4 MB by default, the main thread's 8: onnxruntime resolves a session's graph
      // (the drawing graph's If and Loop subgraphs) and sets up CUDA on this one now.
      resourceLimits: { stackSizeMb: 8 },
    });
    this.worker.on('message', (reply: SessionReply) => this.settle(reply));
    this.worker.on('error', (error) => this.stop(`it failed: ${error.message}`));
    this.worker.on('exit', (code) => this.stop(`it exited with code ${code}`));
    // Idle, the thread keeps no process alive; a request in flight does (see request). After the listeners: adding a
    // 'message' listener refs the worker again (a thread started early, then never used, kept a failed CLI alive).
    this.worker.unref();
    process.on('exit', this.waitForNativeCall);
  }

  /**
   * An exit (a second Ctrl-C, a fatal error) while the thread is inside onnxruntime would tear the thread down
   * under the native call, and the binding then aborts the whole process; the exit waits for the call to end, as
   * it did when runs blocked the main thread.
   */
  private readonly waitForNativeCall = () => {
    // Claimed as EXITING only from IDLE, atomically: the thread then starts no request queued behind the one that
    // ran (it claims IDLE → BUSY the same way), so nothing native is under way when the exit goes on.
    for (;;) {
      const was = Atomics.compareExchange(this.busy, 0, IDLE, EXITING);
      if (was !== BUSY) return;
      Atomics.wait(this.busy, 0, BUSY, 1000);
    }
  };

  request(request: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(threadStopped(this.stopped));
    const id = ++this.lastId;
    return new Promise((resolve, reject) => {
      try {
        // Sent first: a request that cannot be (an option that cannot be copied) leaves nothing waiting and keeps
        // no process alive.
        this.worker.postMessage({ ...request, id }, transfer);
      } catch (error) {
        reject(error);
        return;
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  async open(model: string | Uint8Array, options: SessionOptions): Promise<Session> {
    // A view's whole buffer would be copied to the thread; copy just the model's bytes.
    const bytes =
      typeof model === 'string' || model.byteLength === model.buffer.byteLength ? model : model.slice();
    const opened = (await this.request({ kind: 'open', model: bytes, options })) as OpenedOnThread;
    this.sessions.add(opened.session);
    return new ThreadSession(this, opened);
  }

  async release(session: number, endProfiling: boolean): Promise<void> {
    try {
      await this.request({ kind: 'release', session, endProfiling });
    } finally {
      this.sessions.delete(session);
      // The engine closed: no thread is left behind (idle, so it is safe to end); the next open starts another.
      if (this.sessions.size === 0 && this.pending.size === 0 && !this.stopped) {
        this.stop('its last session was released');
        void this.worker.terminate();
      }
    }
  }

  private settle(reply: SessionReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new Error(reply.message));
  }

  private stop(why: string): void {
    if (this.stopped) return;
    this.stopped = why;
    process.off('exit', this.waitForNativeCall);
    this.onStop(this);
    for (const waiting of this.pending.values()) waiting.reject(threadStopped(why));
    this.pending.clear();
  }
}

class ThreadSession implements Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  private profileEnds = false;

  constructor(
    private readonly thread: SessionThread,
    private readonly opened: OpenedOnThread,
  ) {
    this.inputNames = opened.inputNames;
    this.outputNames = opened.outputNames;
    this.inputMetadata = opened.inputMetadata;
  }

  async run(feeds: Feeds, fetches?: readonly string[]): Promise<Outputs> {
    const { wire, transfer } = toWire(feeds, true);
    const request = {
      kind: 'run',
      session: this.opened.session,
      feeds: wire,
      fetches: fetches && [...fetches],
    } as const;
    return fromWire((await this.thread.request(request, transfer)) as WireTensors);
  }

  /** The profile is written when the session is released (the only place the engine ends one: releaseSession). */
  endProfiling(): void {
    this.profileEnds = true;
  }

  private released: Promise<void> | undefined;

  /** Once: an engine closed twice must not count off another session of the shared thread. */
  release(): Promise<void> {
    this.released ??= this.thread.release(this.opened.session, this.profileEnds);
    return this.released;
  }
}

let current: SessionThread | undefined;

function sessionThread(): SessionThread {
  current ??= new SessionThread((stopped) => {
    if (current === stopped) current = undefined;
  });
  return current;
}

/**
 * Starts the session thread now, so that its start (a new V8 isolate loading the binding) overlaps the graphs'
 * building rather than delaying the first session; it ends with its last session as ever.
 */
export function startSessionThread(): void {
  sessionThread();
}

/** Opens `model` with exactly `options` on the session thread (started on first use, ended with its last session). */
export function openOnThread(model: string | Uint8Array, options: SessionOptions): Promise<Session> {
  return sessionThread().open(model, options);
}
