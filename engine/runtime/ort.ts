// The one module that imports onnxruntime-node (test/architecture.test.ts holds it to that): sessions are opened,
// run and released here, so device choice, feed checks and the error a failed run reports live in one place.
// onnxruntime-node throws (rather than falling back) when ['cuda', 'cpu'] is asked for and the CUDA provider
// library is missing, so 'auto' catches that and retries on the CPU, keeping one line that says why.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { type DeviceChoice, EngineError } from '../api.js';
import { cudaLibrariesNeeded, defaultSearchPlaces, locateLibraries } from './cuda-libraries.js';

export { Tensor } from 'onnxruntime-node';
export type SessionOptions = ort.InferenceSession.SessionOptions;
export type Feeds = Record<string, ort.Tensor>;
export type Outputs = ort.InferenceSession.OnnxValueMapType;
export type ValueMetadata = ort.InferenceSession.ValueMetadata;

/** What the engine uses of a session: onnxruntime's own, or its proxy on the session thread (session-thread.ts). */
export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMetadata[];
  run(feeds: Feeds): Promise<Outputs>;
  run(feeds: Feeds, fetches: readonly string[]): Promise<Outputs>;
  endProfiling(): void;
  release(): Promise<void>;
}

/** Opens a model with exactly the options given: `openSession` here, or `openOnThread` (session-thread.ts). */
export type SessionOpener = (model: string | Uint8Array, options: SessionOptions) => Promise<Session>;

export type Provider = 'cuda' | 'cpu';

export interface CreateSessionOptions {
  device: DeviceChoice;
  /** Merged into the session options (e.g. externalDataSessionOptions for weights outside the model). */
  sessionOptions?: SessionOptions;
  /** CPU threads for one operator; default: every core this process may use. */
  intraOpThreads?: number;
  /** Profile every node of this session into `<profilePrefix>-<n>_<time>.json` (n counts sessions). */
  profilePrefix?: string;
  /** Where the session is opened and runs; default `openSession`, this thread. */
  opener?: SessionOpener;
}

let profiledSessions = 0;
const profiled = new WeakSet<Session>();

export interface OpenedSession {
  session: Session;
  provider: Provider;
  /** Why the session is not on the device asked for (auto fell back to the CPU). */
  note?: string;
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
}

function optionsFor(provider: Provider, options: CreateSessionOptions): SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.intraOpThreads ?? os.availableParallelism(),
    interOpNumThreads: 1,
    // A missing CUDA library is expected under 'auto'; keep onnxruntime's own error log quiet about it.
    logSeverityLevel: provider === 'cuda' ? 4 : 3,
    ...(options.profilePrefix
      ? { enableProfiling: true, profileFilePrefix: `${options.profilePrefix}-${++profiledSessions}` }
      : {}),
    ...options.sessionOptions,
    executionProviders: provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
  };
}

/** The folder onnxruntime-node is installed in (its package.json lies there). */
export function ortPackageFolder(): string {
  return path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
}

/** The folder beside onnxruntime-node's libonnxruntime.so.1, where onnxruntime looks for its providers. */
export function ortLibraryFolder(): string {
  return path.join(ortPackageFolder(), 'bin', 'napi-v6', process.platform, process.arch);
}

export function ortVersion(): string | undefined {
  return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version?: string }).version;
}

let cudaCheck: string | null | undefined;

/**
 * Why CUDA cannot work before even trying, or undefined: on Linux the provider is a library next to the binding
 * (`dimoo gpu-setup` installs it), and it needs CUDA and cuDNN libraries the loader can find. Asking onnxruntime
 * when one is absent makes it log a multi-line error of its own; this names the first missing piece in one line.
 */
export function missingCudaLibrary(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  if (cudaCheck !== undefined) return cudaCheck ?? undefined;
  const provider = path.join(ortLibraryFolder(), 'libonnxruntime_providers_cuda.so');
  if (!fs.existsSync(provider)) {
    cudaCheck = `${provider} is not installed (run: npx dimoo gpu-setup)`;
    return cudaCheck;
  }
  const ldconfig = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  const report = locateLibraries(
    cudaLibrariesNeeded(provider),
    defaultSearchPlaces(process.env, ldconfig.status === 0 ? ldconfig.stdout : undefined),
  );
  const missing = report.missing[0];
  const offPath = report.found.find((f) => report.needsPath.includes(f.folder));
  cudaCheck = missing
    ? `${missing} was not found (npx dimoo gpu-setup lists what is missing and where it looked)`
    : offPath
      ? `${offPath.library} is in ${offPath.folder}, which is not on LD_LIBRARY_PATH`
      : null;
  return cudaCheck ?? undefined;
}

/** Opens `model` (a path or the model's bytes) with exactly `options`: no device choice, no defaults. */
export function openSession(model: string | Uint8Array, options: SessionOptions = {}): Promise<Session> {
  // Two calls because the binding's overloads take a path or bytes, not their union.
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, options)
    : ort.InferenceSession.create(model, options);
}

/** Opens `model` (a path or the model's bytes) on the chosen device. */
export async function createSession(
  model: string | Uint8Array,
  options: CreateSessionOptions,
): Promise<OpenedSession> {
  const open = async (provider: Provider) => {
    const session = await (options.opener ?? openSession)(model, optionsFor(provider, options));
    if (options.profilePrefix) profiled.add(session);
    return session;
  };
  if (options.device === 'cpu') return { session: await open('cpu'), provider: 'cpu' };
  try {
    const missing = missingCudaLibrary();
    if (missing) throw new Error(missing);
    return { session: await open('cuda'), provider: 'cuda' };
  } catch (error) {
    const reason = firstLine(error);
    if (options.device === 'cuda') {
      const detail = `the CUDA execution provider could not be used: ${reason}`;
      throw new EngineError('device_unavailable', detail, { device: 'cuda', detail });
    }
    const session = await open('cpu');
    return { session, provider: 'cpu', note: `CUDA unavailable, running on the CPU (${reason})` };
  }
}

/** `name type[dims]` for each feed, the shapes a failed run is reported with. */
export function describeFeeds(feeds: Feeds): string {
  return Object.entries(feeds)
    .map(([name, t]) => `${name} ${t.type}[${t.dims.join(', ')}]`)
    .join(', ');
}

/**
 * The graph's inputs the feeds lack and the feeds it has no input for; a caller bug, reported before onnxruntime
 * (which names only the first missing input and ignores extra ones).
 */
export function checkFeeds(inputNames: readonly string[], feeds: Feeds): void {
  const missing = inputNames.filter((name) => !(name in feeds));
  const extra = Object.keys(feeds).filter((name) => !inputNames.includes(name));
  if (missing.length === 0 && extra.length === 0) return;
  const parts = [
    missing.length > 0 ? `missing ${missing.join(', ')}` : '',
    extra.length > 0 ? `not inputs of the graph: ${extra.join(', ')}` : '',
  ].filter(Boolean);
  const detail = `graph feeds do not match its inputs (${parts.join('; ')}); the graph takes ${inputNames.join(', ')}`;
  throw new EngineError('internal', detail, { detail });
}

/**
 * Runs `session` on `feeds` (only `fetches` when given), checked against the session's inputs first. A failed run
 * rethrows onnxruntime's message with every feed's name, type and dims appended (kept first, so an allocation
 * failure is still recognised as out of memory); the original error is the `cause`.
 */
export async function runSession(
  session: Session,
  feeds: Feeds,
  fetches?: readonly string[],
): Promise<Outputs> {
  checkFeeds(session.inputNames, feeds);
  try {
    return await (fetches ? session.run(feeds, fetches) : session.run(feeds));
  } catch (error) {
    // The engine's own failure (the session thread gone) says what it is already.
    if (error instanceof EngineError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message.trimEnd()}\n  inputs: ${describeFeeds(feeds)}`, { cause: error });
  }
}

/** `runSession` and how long it took (`forwardMs`, what every sampling loop reports as time in the graph). */
export async function runTimed(
  session: Session,
  feeds: Feeds,
  fetches?: readonly string[],
): Promise<{ out: Outputs; forwardMs: number }> {
  const started = performance.now();
  const out = await runSession(session, feeds, fetches);
  return { out, forwardMs: performance.now() - started };
}

/** Frees the session's native memory (writing its profile first, when it has one); it cannot run afterwards. */
export function releaseSession(session: Session): Promise<void> {
  if (profiled.has(session)) session.endProfiling();
  return session.release();
}
