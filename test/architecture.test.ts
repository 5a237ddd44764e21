// Enforces ARCHITECTURE.md's import rules by reading every source file's import specifiers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('.');

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

/** Relative imports of a file, resolved to repository paths like `engine/index.ts`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
    (m) => m[1] as string,
  );
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

function violations(room: string, allowed: (target: string) => boolean): string[] {
  return sourceFiles(join(ROOT, room)).flatMap((file) =>
    importsOf(file)
      .filter((target) => !allowed(target))
      .map((target) => `${relative(ROOT, file)} → ${target}`),
  );
}

const ENGINE_PUBLIC = new Set(['engine/index.ts', 'engine/api.ts']);
const inRoom = (target: string, room: string) => target === room || target.startsWith(`${room}/`);

describe('architecture import rules', () => {
  it('engine knows nothing of jobs, commands or chat platforms', () => {
    expect(violations('engine', (t) => inRoom(t, 'engine'))).toEqual([]);
  });

  it('jobs (src) reach the engine only through its public entry and never import commands or adapters', () => {
    expect(
      violations('src', (t) => {
        if (inRoom(t, 'engine')) return ENGINE_PUBLIC.has(t) || t.startsWith('engine/testing/');
        // The composition root (src/main.ts, src/app-services.ts) is the one place that wires adapters in.
        return !inRoom(t, 'commands') && !inRoom(t, 'adapters');
      }).filter((v) => !/^src\/(main|app-services)\.ts →/.test(v)),
    ).toEqual([]);
  });

  it('commands reach the engine only through its public entry and know no adapter', () => {
    expect(
      violations('commands', (t) => !inRoom(t, 'adapters') && (!inRoom(t, 'engine') || ENGINE_PUBLIC.has(t))),
    ).toEqual([]);
  });

  it('adapters never reach into engine internals', () => {
    expect(
      violations(
        'adapters',
        (t) => !inRoom(t, 'engine') || ENGINE_PUBLIC.has(t) || t.startsWith('engine/testing/'),
      ),
    ).toEqual([]);
  });

  it('product code never imports test doubles', () => {
    for (const room of ['engine', 'src', 'commands', 'adapters']) {
      expect(violations(room, (t) => !inRoom(t, 'test'))).toEqual([]);
    }
  });
});
