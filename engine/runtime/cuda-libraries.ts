// Where onnxruntime's CUDA provider will find the CUDA and cuDNN libraries it needs, before a session asks for
// it: the provider's own DT_NEEDED entries (read from its ELF header) plus cuDNN, which it opens at run time,
// looked up in the folders the dynamic loader searches (LD_LIBRARY_PATH, the ldconfig cache, the system folders)
// and in the places a CUDA install usually lives (/usr/local/cuda*, NVIDIA's pip wheels `nvidia/*/lib`). Used by
// `dimoo gpu-setup` to say what is missing, and by the session opener to refuse DEVICE=cuda with one line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Libraries the provider opens with dlopen at run time, which DT_NEEDED does not list. */
export const RUNTIME_LOADED = ['libcudnn.so.9'];

/** The DT_NEEDED entries of a 64-bit little-endian ELF shared object (section headers, .dynamic, .dynstr). */
export function neededLibraries(file: string): string[] {
  const bytes = fs.readFileSync(file);
  if (bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return [];
  const shoff = Number(bytes.readBigUInt64LE(0x28));
  const shentsize = bytes.readUInt16LE(0x3a);
  const shnum = bytes.readUInt16LE(0x3c);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      type: bytes.readUInt32LE(at + 4),
      offset: Number(bytes.readBigUInt64LE(at + 0x18)),
      size: Number(bytes.readBigUInt64LE(at + 0x20)),
      link: bytes.readUInt32LE(at + 0x28),
    };
  });
  const SHT_DYNAMIC = 6;
  const DT_NEEDED = 1n;
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  const strings = dynamic ? sections[dynamic.link] : undefined;
  if (!dynamic || !strings) return [];
  const out: string[] = [];
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
    const tag = bytes.readBigInt64LE(at);
    if (tag === 0n) break;
    if (tag !== DT_NEEDED) continue;
    const start = strings.offset + Number(bytes.readBigUInt64LE(at + 8));
    const end = bytes.indexOf(0, start);
    out.push(bytes.toString('utf8', start, end));
  }
  return out;
}

/** The CUDA-family libraries among a provider's needs (not libc, libstdc++, the driver's libcuda.so). */
export function cudaLibrariesNeeded(providerFile: string): string[] {
  const cuda = /^lib(cublas|cublasLt|cudart|curand|cufft|cudnn|nvrtc|nvJitLink|cusparse|cusolver)[^/]*\.so/;
  return [...new Set([...neededLibraries(providerFile).filter((n) => cuda.test(n)), ...RUNTIME_LOADED])];
}

export interface SearchPlaces {
  env: NodeJS.ProcessEnv;
  /** Folders whose `lib/python3*` site-packages may hold NVIDIA wheels (virtualenvs, conda, /usr, ~/.local). */
  pythonRoots: string[];
  /** `ldconfig -p` output, when available. */
  ldconfig?: string;
}

function globDirs(parent: string, pattern: RegExp): string[] {
  try {
    return fs
      .readdirSync(parent)
      .filter((n) => pattern.test(n))
      .map((n) => path.join(parent, n));
  } catch {
    return [];
  }
}

export function defaultSearchPlaces(env: NodeJS.ProcessEnv = process.env, ldconfig?: string): SearchPlaces {
  const roots = ['/usr', '/usr/local', path.join(os.homedir(), '.local'), ...globDirs('/opt', /./)];
  for (const v of ['VIRTUAL_ENV', 'CONDA_PREFIX']) if (env[v]) roots.unshift(env[v] as string);
  for (const r of globDirs('/opt', /./)) roots.push(path.join(r, '.venv'), path.join(r, 'venv'));
  return { env, pythonRoots: roots, ldconfig };
}

/** Every folder searched, in the loader's order first: LD_LIBRARY_PATH, then CUDA installs and pip wheels. */
export function searchFolders(places: SearchPlaces): string[] {
  const fromEnv = (places.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const cudaRoots = globDirs('/usr/local', /^cuda/).flatMap((c) => [
    path.join(c, 'lib64'),
    path.join(c, 'targets', 'x86_64-linux', 'lib'),
  ]);
  const wheels = places.pythonRoots.flatMap((root) =>
    globDirs(path.join(root, 'lib'), /^python3/).flatMap((py) =>
      ['site-packages', 'dist-packages'].flatMap((site) =>
        globDirs(path.join(py, site, 'nvidia'), /./).map((pkg) => path.join(pkg, 'lib')),
      ),
    ),
  );
  const system = ['/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu'];
  return [...new Set([...fromEnv, ...cudaRoots, ...wheels, ...system])].filter((d) => fs.existsSync(d));
}

export interface LibraryReport {
  found: Array<{ library: string; folder: string }>;
  missing: string[];
  searched: string[];
  /** Found folders the loader would not search on its own (not in LD_LIBRARY_PATH, the ldconfig cache or /usr/lib). */
  needsPath: string[];
}

export function locateLibraries(libraries: readonly string[], places: SearchPlaces): LibraryReport {
  const searched = searchFolders(places);
  const inLoaderPath = new Set([
    ...(places.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
  ]);
  const cached = new Map<string, string>();
  for (const line of (places.ldconfig ?? '').split('\n')) {
    const m = /^\s*(\S+)\s.*=>\s*(\S+)$/.exec(line);
    if (m) cached.set(m[1] as string, path.dirname(m[2] as string));
  }
  const report: LibraryReport = { found: [], missing: [], searched, needsPath: [] };
  for (const library of libraries) {
    const folder = cached.get(library) ?? searched.find((d) => fs.existsSync(path.join(d, library)));
    if (!folder) {
      report.missing.push(library);
      continue;
    }
    report.found.push({ library, folder });
    if (!cached.has(library) && !inLoaderPath.has(folder) && !report.needsPath.includes(folder))
      report.needsPath.push(folder);
  }
  return report;
}
