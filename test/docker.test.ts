// The image and compose file, read as text (Docker is not needed to run this): nothing secret or local reaches an
// image layer, the bot runs unprivileged with a health check, and compose waits for Redis and gives the bot time to
// shut down before it kills it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BotMetrics } from '../src/ops/metrics.js';
import { type OpsServer, startOpsServer } from '../src/ops/server.js';

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** Non-empty, non-comment lines. */
function entries(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A .dockerignore pattern as Docker reads it: from the context's root, `**` across folders, `*` within one. */
function patternRegex(pattern: string): RegExp {
  const clean = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  let source = '';
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i] as string;
    if (clean.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (clean.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether `.dockerignore` keeps `path` out of the build context (a matched folder takes its contents along). */
function excluded(path: string, patterns: string[]): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const regex = patternRegex(negated ? raw.slice(1) : raw);
    if (candidates.some((candidate) => regex.test(candidate))) out = !negated;
  }
  return out;
}

/** Paths a .gitignore line ignores, at the top and, for a pattern without an inner slash, deeper too. */
function samplesOf(gitignoreLine: string): string[] {
  const anchored = gitignoreLine.startsWith('/') || gitignoreLine.replace(/\/$/, '').includes('/');
  const base = gitignoreLine.replace(/^\//, '').replace(/\/$/, '').replaceAll('*', 'sample');
  const inside = gitignoreLine.endsWith('/') ? [`${base}/file.txt`] : [base];
  return anchored ? inside : [...inside, ...inside.map((p) => `adapters/web/${p}`)];
}

describe('.dockerignore', () => {
  const patterns = entries(read('.dockerignore'));

  it('keeps every secret-bearing file out of the image, wherever it is', () => {
    for (const path of [
      '.env',
      '.env.local',
      '.env.production',
      'deploy/.env',
      'adapters/.env.local',
      '.npmrc',
    ])
      expect(excluded(path, patterns), path).toBe(true);
  });

  it('mirrors every .gitignore entry (logs, local data, artifacts, scratch, build output)', () => {
    const ignored = entries(read('.gitignore')).filter((line) => !line.startsWith('!'));
    expect(ignored).toContain('.env');
    for (const line of ignored)
      for (const path of samplesOf(line)) expect(excluded(path, patterns), `${line}: ${path}`).toBe(true);
  });

  it('still sends what the image needs', () => {
    for (const path of [
      '.env.example',
      'package.json',
      'package-lock.json',
      'src/main.ts',
      'src/ops/healthcheck.mjs',
      'bin/dimoo.js',
      'bin/cli-bundle.js',
      'engine/index.ts',
      'locales/en.json',
    ])
      expect(excluded(path, patterns), path).toBe(false);
  });
});

describe('Dockerfile', () => {
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => /^[A-Z]+\s/.test(line));
  const of = (name: string) => instructions.filter((line) => line.startsWith(`${name} `));

  it('ORT_CUDA=1 installs the CUDA provider as README says, from the npm registry, after the CLI is in the image', () => {
    const runs = of('RUN');
    const setup = runs.findIndex((line) => /ORT_CUDA.*dimoo\.js gpu-setup/.test(line));
    expect(setup).toBeGreaterThanOrEqual(0);
    // The NuGet download was untested and unreachable offline; gpu-setup is the measured path.
    expect(runs.join('\n')).not.toContain('onnxruntime-node/script/install.js');
    const copyAll = instructions.findIndex((line) => /^COPY \. \./.test(line));
    expect(instructions.indexOf(runs[setup] as string)).toBeGreaterThan(copyAll);
  });

  it('runs as a user other than root', () => {
    const user = of('USER').at(-1)?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
  });

  it('has a HEALTHCHECK on /healthz, whose port the image sets', () => {
    const [check] = of('HEALTHCHECK');
    expect(check).toMatch(/CMD \["node", "\/app\/src\/ops\/healthcheck\.mjs"\]/);
    expect(of('WORKDIR').at(-1)).toBe('WORKDIR /app');
    expect(of('ENV').join(' ')).toMatch(/\bMETRICS_PORT=\d+/);
  });

  it('runs node itself, so that SIGTERM reaches the bot', () => {
    expect(of('CMD').at(-1)).toMatch(/^CMD \["node"/);
  });
});

describe('docker-compose.yml', () => {
  const text = read('docker-compose.yml');
  /** Each service's lines (two-space indented keys under `services:`). */
  const services = new Map<string, string>();
  for (const block of text.split(/\n(?= {2}[a-z][\w-]*:\s*$)/m)) {
    const name = /^ {2}([a-z][\w-]*):\s*$/m.exec(block.split('\n')[0] ?? '')?.[1];
    if (name) services.set(name, block.split(/\n(?=\S)/)[0] as string);
  }
  const seconds = (value: string) => {
    const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(value.trim());
    return match ? Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0) : Number.NaN;
  };

  it('checks Redis and starts the bot only once it answers', () => {
    expect(services.get('redis')).toMatch(/healthcheck:\s*\n\s+test: \["CMD", "redis-cli", "ping"\]/);
    for (const name of ['frontend', 'worker'])
      expect(services.get(name), name).toMatch(/depends_on:\s*\n\s+redis:\s*\n\s+condition: service_healthy/);
  });

  it('gives each role longer to stop than its own shutdown takes', () => {
    const grace = (block: string) => Number(/SHUTDOWN_GRACE_S: "?(\d+)"?/.exec(block)?.[1] ?? 10);
    const stop = (block: string) => seconds(/stop_grace_period: (\S+)/.exec(block)?.[1] ?? '');
    // Each waits SHUTDOWN_GRACE_S for the job in hand; a worker then up to 10 s for its aborted run to end
    // (src/jobs/distributed/worker.ts close).
    for (const [name, after] of [
      ['frontend', 15],
      ['worker', 10 + 15],
    ] as const) {
      const block = services.get(name) ?? '';
      expect(stop(block), name).toBeGreaterThanOrEqual(grace(block) + after);
    }
  });
});

describe('the image’s health check script', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  // Asynchronous: the server answering the check runs in this process.
  const check = (env: Record<string, string>) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['src/ops/healthcheck.mjs'], {
        cwd: root,
        env: { PATH: process.env.PATH, ...env },
        stdio: 'ignore',
        timeout: 10_000,
      });
      child.on('exit', (code) => resolve(code));
    });

  it('exits 0 while /healthz answers, 1 when nothing does or no port is set', async () => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new BotMetrics(),
      ready: () => false,
    });
    const port = String(server.port);
    expect(await check({ METRICS_PORT: port })).toBe(0);
    expect(await check({ METRICS_PORT: port, METRICS_HOST: '0.0.0.0' })).toBe(0);
    expect(await check({ METRICS_PORT: port, METRICS_HOST: '127.0.0.1' })).toBe(0);
    await server.close();
    server = undefined;
    expect(await check({ METRICS_PORT: port })).toBe(1);
    expect(await check({})).toBe(1);
  });
});
