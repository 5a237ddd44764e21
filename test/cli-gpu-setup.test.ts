// `dimoo gpu-setup` and the CUDA library search behind it (and behind DEVICE=cuda's refusal): the ELF reader on a
// real shared object, the search over fake CUDA installs, the install from a package tarball, and one real fetch of
// the provider package from the npm registry on this GPU-less machine, which must end listing what is missing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cudaLibrariesNeeded, locateLibraries, neededLibraries } from '../engine/runtime/cuda-libraries.js';
import { ortLibraryFolder } from '../engine/runtime/ort.js';
import { describeReport, gpuSetup } from '../src/cli/gpu-setup-command.js';
import { main } from '../src/cli/main.js';
import { captureIo } from './doubles/cli-io.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dimoo-gpu-setup-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const binding = path.join(ortLibraryFolder(), 'onnxruntime_binding.node');

function touch(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
}

describe('the CUDA library search', () => {
  it('reads DT_NEEDED from a real ELF shared object', () => {
    const needed = neededLibraries(binding);
    expect(needed).toContain('libonnxruntime.so.1');
    expect(needed).toContain('libc.so.6');
    // No CUDA library among the CPU binding's needs; cuDNN is always asked for (opened at run time).
    expect(cudaLibrariesNeeded(binding)).toEqual(['libcudnn.so.9']);
  });

  it('finds libraries on LD_LIBRARY_PATH, in pip wheels and the ldconfig cache, and says which need a path', () => {
    const env = path.join(root, 'ld');
    const venv = path.join(root, 'venv');
    touch(path.join(env, 'libcudart.so.13'));
    touch(path.join(venv, 'lib/python3.12/site-packages/nvidia/cublas/lib/libcublas.so.13'));
    touch(path.join(venv, 'lib/python3.12/site-packages/nvidia/cublas/lib/libcublasLt.so.13'));
    const report = locateLibraries(
      ['libcudart.so.13', 'libcublas.so.13', 'libcublasLt.so.13', 'libcurand.so.10', 'libcudnn.so.9'],
      {
        env: { LD_LIBRARY_PATH: env },
        pythonRoots: [venv],
        ldconfig: '\tlibcurand.so.10 (libc6,x86-64) => /opt/cuda-fake/lib/libcurand.so.10\n',
      },
    );
    const wheel = path.join(venv, 'lib/python3.12/site-packages/nvidia/cublas/lib');
    expect(report.found).toEqual([
      { library: 'libcudart.so.13', folder: env },
      { library: 'libcublas.so.13', folder: wheel },
      { library: 'libcublasLt.so.13', folder: wheel },
      { library: 'libcurand.so.10', folder: '/opt/cuda-fake/lib' },
    ]);
    expect(report.missing).toEqual(['libcudnn.so.9']);
    // The wheel's folder is not one the loader searches by itself; LD_LIBRARY_PATH and ldconfig's are.
    expect(report.needsPath).toEqual([wheel]);
    expect(report.searched).toContain(wheel);
  });
});

describe('gpuSetup', () => {
  it('installs the two provider libraries from the package tarball and reports what they still need', () => {
    const pkg = path.join(root, 'pkg');
    const x64 = path.join(pkg, 'package/Plugins/Linux/x64');
    fs.mkdirSync(x64, { recursive: true });
    // A real ELF stands in for the 230 MB provider: its needs are read, not assumed.
    fs.copyFileSync(binding, path.join(x64, 'libonnxruntime_providers_cuda.so'));
    fs.writeFileSync(path.join(x64, 'libonnxruntime_providers_shared.so'), 'shared');
    const cache = path.join(root, 'cache');
    let fetched = 0;
    const result = gpuSetup(
      { ortFolder: path.join(root, 'ort'), cacheDir: cache, spec: 'provider-double@1.0.0' },
      {
        fetchPackage: (_spec, dir) => {
          fetched++;
          const file = path.join(dir, 'provider-double-1.0.0.tgz');
          expect(spawnSync('tar', ['-czf', file, '-C', pkg, 'package']).status).toBe(0);
          return file;
        },
        places: { env: {}, pythonRoots: [] },
      },
    );
    expect(fs.readFileSync(path.join(root, 'ort/libonnxruntime_providers_shared.so'), 'utf8')).toBe('shared');
    expect(fs.existsSync(path.join(root, 'ort/libonnxruntime_providers_cuda.so'))).toBe(true);
    expect(result.report.missing).toEqual(['libcudnn.so.9']);
    const text = describeReport(result, '1.29.0').join('\n');
    expect(text).toContain('MISSING  libcudnn.so.9');
    expect(text).toContain('Missing CUDA libraries: libcudnn.so.9.');
    expect(text).not.toContain('Ready');
    // A second run reuses the cached tarball.
    gpuSetup(
      { ortFolder: path.join(root, 'ort'), cacheDir: cache, spec: 'provider-double@1.0.0' },
      {
        fetchPackage: () => {
          throw new Error('fetched twice');
        },
        places: { env: {}, pythonRoots: [] },
      },
    );
    expect(fetched).toBe(1);
    expect(describeReport(result, '1.30.0').join('\n')).toContain('warning: onnxruntime-node is 1.30.0');
  });
});

describe('dimoo gpu-setup failures', () => {
  it('are one line that starts "dimoo gpu-setup:", as every command\'s', async () => {
    // A file where the cache folder should be: refused before anything is fetched.
    const notAFolder = path.join(root, 'cache-file');
    fs.writeFileSync(notAFolder, 'x');
    const io = captureIo();
    const code = await main(['gpu-setup', '--cache', notAFolder, '--ort-dir', path.join(root, 'unused')], io);
    expect(code).toBe(1);
    expect(io.err().split('\n')).toEqual([expect.stringMatching(/^dimoo gpu-setup: .*cache-file/), '']);
    expect(io.out()).toBe('');
  });
});

describe('npx dimoo gpu-setup against the npm registry', () => {
  it('fetches the provider package, installs it and ends with the list of missing CUDA libraries', () => {
    // Kept between runs here; a fresh clone fetches the 179 MB package once.
    const cache = path.resolve('node_modules/.cache/dimoo-gpu-setup');
    const ortDir = path.join(root, 'real-ort');
    const r = spawnSync(
      process.execPath,
      ['bin/dimoo.js', 'gpu-setup', '--cache', cache, '--ort-dir', ortDir],
      { encoding: 'utf8', timeout: 280_000, env: { ...process.env, LD_LIBRARY_PATH: '' } },
    );
    expect(r.stderr).toBe('');
    expect(fs.statSync(path.join(ortDir, 'libonnxruntime_providers_cuda.so')).size).toBeGreaterThan(100e6);
    // This machine has no cuBLAS: the provider's own needs are listed as missing, one line naming them all.
    expect(r.stdout).toMatch(/Missing CUDA libraries: .*libcublasLt\.so\.13/);
    expect(r.stdout).toContain('libcudnn.so.9');
    expect(r.stdout).toContain('Looked in LD_LIBRARY_PATH');
    expect(r.status).toBe(1);
  }, 300_000);
});
