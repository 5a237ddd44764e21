// The CLI as one bundled ES module: esbuild writes dist/dimoo-cli.mjs from the TypeScript sources when it is
// missing or older than any of the files it was built from (listed beside it), so `npx dimoo` needs no build step
// and never runs stale code. Loading the bundle skips tsx's loader thread and per-module transforms, about half a
// second of CPU per command (bench/startup.ts). Where it cannot be written (a read-only install), the sources run
// through tsx as before.
//
// dist/ is one folder below the root, as src/ is: src/i18n.ts finds ../locales/ from import.meta.url, and that
// holds in the bundle too. The engine's worker threads' entries (engine/runtime/quantize-worker.ts and
// session-worker.ts) are bundled beside it as dist/<name>.mjs, where engine/runtime/engine-worker.ts looks for them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src/cli/main.ts');
const bundle = join(root, 'dist/dimoo-cli.mjs');
const workerNames = ['quantize-worker', 'session-worker'];
const workerEntries = Object.fromEntries(
  workerNames.map((name) => [name, join(root, `engine/runtime/${name}.ts`)]),
);
const workerBundles = workerNames.map((name) => join(root, `dist/${name}.mjs`));
const inputsFile = join(root, 'dist/dimoo-cli.inputs.json');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** True when the bundle exists and none of its inputs (nor package.json) changed after it was written. */
export function bundleIsFresh() {
  const built = mtime(bundle);
  if (!Number.isFinite(built) || !workerBundles.every((file) => Number.isFinite(mtime(file)))) return false;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  } catch {
    return false;
  }
  return [...inputs, 'package.json'].every((file) => mtime(join(root, file)) <= built);
}

/**
 * Writes the bundle, the worker's bundle and their input list (each through a temporary file, so a concurrent run
 * never reads half).
 */
export async function buildBundle() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { 'dimoo-cli': entry, ...workerEntries },
    // Input paths in the metafile are relative to this folder; the freshness check resolves them against the root.
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Each command's module (and the packages only it imports) becomes a chunk loaded when that command runs.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    target: 'node20',
    packages: 'external',
    metafile: true,
    write: false,
    outdir: dirname(bundle),
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  mkdirSync(dirname(bundle), { recursive: true });
  // A PID alone names no one process where dist/ is shared (one checkout mounted in several containers, each counting
  // PIDs from 1): two builds of one PID would write one temp, and the first rename would take the other's half-written
  // bytes. The PID and 12 random hex digits, the shape of src/process-tag.ts's `PID-SPACE`, which this plain-JS file
  // cannot import: a build removes no one else's temps, so it needs no space to check a PID in, only a unique name.
  const suffix = `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  removeOldTemps(dirname(bundle));
  const inputs = Object.keys(result.metafile.inputs);
  const chunks = result.outputFiles.filter(
    (file) => ![bundle, ...workerBundles].includes(resolve(file.path)),
  );
  const output = (path) => result.outputFiles.find((file) => resolve(file.path) === path).contents;
  const written = [...chunks.map((chunk) => chunk.path), inputsFile, ...workerBundles, bundle];
  try {
    // Chunks are named by their content, so writing them never disturbs a run that loads the previous bundle.
    for (const chunk of chunks) {
      writeFileSync(chunk.path + suffix, chunk.contents);
      renameSync(chunk.path + suffix, chunk.path);
    }
    writeFileSync(inputsFile + suffix, JSON.stringify(inputs));
    for (const worker of workerBundles) writeFileSync(worker + suffix, output(worker));
    writeFileSync(bundle + suffix, output(bundle));
    // Inputs first, the CLI bundle last: it is only ever newer than an input list and workers that match it.
    renameSync(inputsFile + suffix, inputsFile);
    for (const worker of workerBundles) renameSync(worker + suffix, worker);
    renameSync(bundle + suffix, bundle);
  } finally {
    // A build that failed part way (a full disk) leaves none of its temps: each build's have a name of their own,
    // so nothing later would ever write over them.
    for (const path of written) rmSync(path + suffix, { force: true });
  }
  removeStaleChunks(dirname(bundle), new Set(chunks.map((chunk) => basename(chunk.path))));
}

/** No build runs this long: a temp older than this is a killed build's, which had no `finally` to remove it. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

const CHUNK_NAME = /chunk-[\w-]+\.mjs/g;

/**
 * Removes the chunks of earlier builds. A chunk this build did not write is not proof of one: where dist/ is shared
 * (one checkout mounted in several containers, or builds of two checkouts at once) another build may have just
 * written it for the bundle it is about to rename into place, and a CLI still running an earlier bundle loads its
 * commands' chunks only when they run. So a chunk goes only once it is older than any build or command runs (every
 * build writes its chunks anew, so a chunk of a current bundle is never that old) and nothing on disk now loads it:
 * not this build's chunks, nor the entries (whoever wrote them last), nor any chunk they load in turn. That second
 * rule still holds where the machines writing dist/ disagree on the time.
 */
function removeStaleChunks(dist, own) {
  const before = Date.now() - STALE_TEMP_MS;
  const loaded = new Set(own);
  const pending = [basename(bundle), ...workerBundles.map((file) => basename(file)), ...own];
  while (pending.length > 0) {
    let text;
    try {
      text = readFileSync(join(dist, pending.pop()), 'utf8');
    } catch {
      continue;
    }
    for (const [name] of text.matchAll(CHUNK_NAME))
      if (!loaded.has(name)) {
        loaded.add(name);
        pending.push(name);
      }
  }
  for (const name of readdirSync(dist)) {
    if (!name.startsWith('chunk-') || !name.endsWith('.mjs') || loaded.has(name)) continue;
    if (!(mtime(join(dist, name)) < before)) continue;
    try {
      rmSync(join(dist, name), { force: true });
    } catch {
      // Not a file (a folder someone named so): not a build's, left alone.
    }
  }
}

function removeOldTemps(dist) {
  const before = Date.now() - STALE_TEMP_MS;
  for (const name of readdirSync(dist)) {
    if (!name.endsWith('.tmp') || !(mtime(join(dist, name)) < before)) continue;
    try {
      rmSync(join(dist, name), { force: true });
    } catch {
      // Not a file (a folder someone named so): not a build's, left alone.
    }
  }
}

/** The CLI's main(), from the bundle (rebuilt when stale) or, failing that, from the sources through tsx. */
export async function loadCliMain() {
  let usable = bundleIsFresh();
  if (!usable)
    usable = await buildBundle().then(
      () => true,
      () => false,
    );
  if (usable) return (await import(pathToFileURL(bundle).href)).main;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(pathToFileURL(entry).href)).main;
}
