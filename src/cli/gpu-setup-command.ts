// `dimoo gpu-setup`: puts onnxruntime's CUDA provider beside onnxruntime-node's library, fetched from the npm
// registry (the npm package of onnxruntime-node carries the CPU provider only, and its own install script
// downloads from NuGet, which offline or registry-only hosts cannot reach), then says which CUDA and cuDNN
// libraries the provider still needs and where it looked. Not a dependency of every install: the provider is
// 230 MB and only a GPU host wants it.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  cudaLibrariesNeeded,
  defaultSearchPlaces,
  type LibraryReport,
  locateLibraries,
  makeFolders,
  ortLibraryFolder,
  ortVersion,
  type SearchPlaces,
} from '../../engine/index.js';
import { parse } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { fileErrorReason } from './files.js';
import { valueFlag } from './flag-help.js';

/** An npm-served build of the official ONNX Runtime 1.29.0 CUDA 13 provider (MIT; Plugins/Linux/x64/). */
export const PROVIDER_PACKAGE = 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9';
export const PROVIDER_ORT_VERSION = '1.29.0';
const PROVIDER_FILES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

export interface GpuSetupDeps {
  /** Returns the path of the package's tarball, fetched into `cacheDir` (npm pack through the configured registry). */
  fetchPackage(spec: string, cacheDir: string): string;
  places: SearchPlaces;
}

function npmPack(spec: string, cacheDir: string): string {
  const result = spawnSync('npm', ['pack', spec, '--pack-destination', cacheDir, '--json'], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    const reason = (result.stderr || result.error?.message || '').split('\n').find((l) => l.trim()) ?? '';
    throw new Error(`npm could not fetch ${spec}: ${reason}`);
  }
  const [packed] = JSON.parse(result.stdout) as Array<{ filename: string }>;
  return path.join(cacheDir, packed?.filename ?? '');
}

function ldconfigCache(): string | undefined {
  const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

export function realGpuSetupDeps(): GpuSetupDeps {
  return { fetchPackage: npmPack, places: defaultSearchPlaces(process.env, ldconfigCache()) };
}

function cachedTarball(spec: string, cacheDir: string): string | undefined {
  const [name, version] = [spec.slice(0, spec.lastIndexOf('@')), spec.slice(spec.lastIndexOf('@') + 1)];
  const file = path.join(cacheDir, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  return fs.existsSync(file) ? file : undefined;
}

export interface GpuSetupResult {
  installedIn: string;
  report: LibraryReport;
}

/** `path` made (with any missing folder above it), or a line saying why it could not be. */
function folder(path: string): void {
  try {
    makeFolders(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : fileErrorReason(error);
    throw new Error(`cannot make the folder ${path}: ${reason}`);
  }
}

/** Fetches (or reuses) the provider, installs its two libraries into `ortFolder`, and locates what they need. */
export function gpuSetup(
  options: { ortFolder: string; cacheDir: string; spec?: string },
  deps: GpuSetupDeps,
): GpuSetupResult {
  const spec = options.spec ?? PROVIDER_PACKAGE;
  folder(options.cacheDir);
  const tarball = cachedTarball(spec, options.cacheDir) ?? deps.fetchPackage(spec, options.cacheDir);
  const unpack = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-gpu-setup-'));
  try {
    const inside = PROVIDER_FILES.map((f) => `package/Plugins/Linux/x64/${f}`);
    const tar = spawnSync('tar', ['-xzf', tarball, '-C', unpack, ...inside], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`could not unpack ${tarball}: ${tar.stderr.trim().split('\n')[0]}`);
    folder(options.ortFolder);
    for (const f of PROVIDER_FILES)
      fs.copyFileSync(path.join(unpack, 'package/Plugins/Linux/x64', f), path.join(options.ortFolder, f));
  } finally {
    fs.rmSync(unpack, { recursive: true, force: true });
  }
  const needed = cudaLibrariesNeeded(path.join(options.ortFolder, PROVIDER_FILES[0] as string));
  return { installedIn: options.ortFolder, report: locateLibraries(needed, deps.places) };
}

export function describeReport(result: GpuSetupResult, ortVersion: string | undefined): string[] {
  const { report } = result;
  const lines = [
    `CUDA provider (ONNX Runtime ${PROVIDER_ORT_VERSION}, CUDA 13) installed in ${result.installedIn}`,
  ];
  if (ortVersion && ortVersion !== PROVIDER_ORT_VERSION)
    lines.push(
      `warning: onnxruntime-node is ${ortVersion}; this provider is built for ${PROVIDER_ORT_VERSION}`,
    );
  for (const { library, folder } of report.found) lines.push(`  found    ${library}  (${folder})`);
  for (const library of report.missing) lines.push(`  MISSING  ${library}`);
  if (report.missing.length > 0) {
    lines.push(
      `Missing CUDA libraries: ${report.missing.join(', ')}.`,
      'Looked in LD_LIBRARY_PATH, the ldconfig cache, /usr/local/cuda*/lib64, the NVIDIA pip wheels (nvidia/*/lib) of',
      `the Python environments found, and the system folders: ${report.searched.join(', ') || '(none exist)'}.`,
      'Install the CUDA 13 runtime, cuBLAS, cuRAND and cuDNN 9 (e.g. pip install nvidia-cublas nvidia-cuda-runtime',
      'nvidia-curand nvidia-cudnn-cu13) and run `npx dimoo gpu-setup` again.',
    );
  }
  if (report.needsPath.length > 0)
    lines.push(
      `Before starting the bot: export LD_LIBRARY_PATH=${report.needsPath.join(':')}:$LD_LIBRARY_PATH`,
    );
  if (report.missing.length === 0) lines.push('Ready: start with DEVICE=cuda (or auto).');
  return lines;
}

const FLAGS = {
  cache: valueFlag(
    'DIR',
    'where the provider package is downloaded and kept (default: $XDG_CACHE_HOME/dimoo, else ~/.cache/dimoo)',
  ),
  'ort-dir': valueFlag(
    'DIR',
    'the onnxruntime-node library folder to install it into (default: the one this install loads)',
  ),
} as const;

export const command: CliCommand = {
  usage: 'dimoo gpu-setup [--cache DIR] [--ort-dir DIR]',
  flags: FLAGS,
  async run(argv: string[], io: CliIo) {
    const o = parse(argv, FLAGS);
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      io.stderr.write('dimoo gpu-setup: the npm-served CUDA provider is for Linux x64 only\n');
      return 1;
    }
    const cacheDir =
      o.cache ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'dimoo');
    try {
      const result = gpuSetup(
        { ortFolder: o['ort-dir'] ?? ortLibraryFolder(), cacheDir },
        realGpuSetupDeps(),
      );
      io.stdout.write(`${describeReport(result, ortVersion()).join('\n')}\n`);
      return result.report.missing.length === 0 ? 0 : 1;
    } catch (error) {
      io.stderr.write(`dimoo gpu-setup: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  },
};
