// Enforces ARCHITECTURE.md's import rules by reading every product source file's import specifiers.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return []; // a room that does not exist yet has nothing to break
  }
  return entries.flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/**
 * Every import/export/dynamic-import specifier of a source text. Comments are dropped first: block comments that
 * open a line, and `//` comments after whitespace (so `https://` inside a string stays).
 */
function specifiersOf(source: string): string[] {
  const code = source.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((p) => [...code.matchAll(p)].map((m) => m[1] as string));
}

interface Import {
  file: string;
  /** Repository path (`engine/index.ts`) for relative imports, else the package name (`discord.js`, `node:fs`). */
  target: string;
  relative: boolean;
}

function importsOf(file: string): Import[] {
  return specifiersOf(readFileSync(join(ROOT, file), 'utf8')).map((s) => {
    if (!s.startsWith('.')) {
      const parts = s.split('/');
      return {
        file,
        target: s.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string),
        relative: false,
      };
    }
    const path = relative(ROOT, resolve(ROOT, dirname(file), s))
      .split('\\')
      .join('/');
    return { file, target: path.replace(/\.js$/, '.ts'), relative: true };
  });
}

const inRoom = (target: string, room: string) => target === room || target.startsWith(`${room}/`);
const ENGINE_PUBLIC = new Set(['engine/index.ts', 'engine/api.ts']);
const JOBS_PUBLIC = new Set(['src/jobs/index.ts']);
/** The composition root: the only product files that wire adapters and commands together. */
const COMPOSITION_ROOT = new Set(['src/main.ts', 'src/app-services.ts']);

/** `file → target` for each import in a room that the rule refuses. */
function violations(room: string, refuses: (i: Import) => boolean): string[] {
  return sourceFiles(room)
    .flatMap(importsOf)
    .filter(refuses)
    .map((i) => `${i.file} → ${i.target}`);
}

describe('the import scanner', () => {
  it('finds static, re-export, side-effect, type-only and dynamic imports, not commented ones', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export * from './c.js';",
      "export { d } from './d.js';",
      "import './e.js';",
      "const f = await import('./f.js');",
      "import {\n  g,\n  h,\n} from 'discord.js';",
      "// import { x } from './commented.js';",
      "/* import y from './block.js'; */",
      "const glob = '**/*.ts';",
      "import { w } from './after-glob.js';",
      "const url = 'https://example.org'; // import z from './trailing.js'",
    ].join('\n');
    expect(specifiersOf(source).sort()).toEqual(
      ['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', 'discord.js', './after-glob.js'].sort(),
    );
  });

  it('sees the product source files', () => {
    expect(sourceFiles('engine')).toContain('engine/index.ts');
    expect(sourceFiles('src')).toContain('src/main.ts');
  });
});

describe('architecture import rules', () => {
  it('engine imports only engine/ and packages', () => {
    expect(violations('engine', (i) => i.relative && !inRoom(i.target, 'engine'))).toEqual([]);
  });

  it('src reaches the engine only through its public entry; only the composition root wires adapters and commands', () => {
    expect(
      violations('src', (i) => {
        if (!i.relative) return false;
        if (inRoom(i.target, 'engine')) return !ENGINE_PUBLIC.has(i.target);
        return (
          !COMPOSITION_ROOT.has(i.file) && (inRoom(i.target, 'commands') || inRoom(i.target, 'adapters'))
        );
      }),
    ).toEqual([]);
  });

  it('commands reach the engine and jobs only through their public entries and know no adapter', () => {
    expect(
      violations('commands', (i) => {
        if (!i.relative) return false;
        if (inRoom(i.target, 'engine')) return !ENGINE_PUBLIC.has(i.target);
        if (inRoom(i.target, 'src/jobs')) return !JOBS_PUBLIC.has(i.target);
        return inRoom(i.target, 'adapters') || inRoom(i.target, 'src/cli') || COMPOSITION_ROOT.has(i.target);
      }),
    ).toEqual([]);
  });

  it('adapters never reach into engine or jobs internals, nor into another adapter', () => {
    expect(
      violations('adapters', (i) => {
        if (!i.relative) return false;
        if (inRoom(i.target, 'engine')) return !ENGINE_PUBLIC.has(i.target);
        if (inRoom(i.target, 'src/jobs')) return !JOBS_PUBLIC.has(i.target);
        if (inRoom(i.target, 'adapters')) {
          // adapters/<name>/… may use its own folder and adapters/shared, not a sibling platform's code.
          const own = i.file.split('/').slice(0, 2).join('/');
          return !inRoom(i.target, own) && !inRoom(i.target, 'adapters/shared');
        }
        return false;
      }),
    ).toEqual([]);
  });

  it('each runtime SDK is imported only in the room that owns it (no chat platform in engine, jobs or commands)', () => {
    const owners: Array<[RegExp, string]> = [
      [/^onnxruntime-(node|common)$/, 'engine'],
      [/^(discord\.js|@discordjs\/.+)$/, 'adapters/discord'],
      [/^(grammy|@grammyjs\/.+)$/, 'adapters/telegram'],
      [/^(bullmq|ioredis)$/, 'src/jobs/distributed'],
      [/^prom-client$/, 'src/ops'],
    ];
    for (const room of ['engine', 'src', 'commands', 'adapters']) {
      expect(
        violations(room, (i) => {
          if (i.relative) return false;
          const owner = owners.find(([pattern]) => pattern.test(i.target))?.[1];
          return owner !== undefined && !inRoom(i.file, owner);
        }),
        room,
      ).toEqual([]);
    }
  });

  it('onnxruntime is imported by one engine module only (engine/runtime/ort.ts opens, runs and releases sessions)', () => {
    const importers = ['engine', 'src', 'commands', 'adapters']
      .flatMap(sourceFiles)
      .filter((file) =>
        importsOf(file).some((i) => !i.relative && /^onnxruntime-(node|common)$/.test(i.target)),
      );
    expect(importers).toEqual(['engine/runtime/ort.ts']);
  });

  it('adapters never cast through unknown (`as unknown as`): wire types come from the SDKs, stored data is read field by field', () => {
    const casts = sourceFiles('adapters').filter((file) =>
      /\bas\s+unknown\s+as\b/.test(readFileSync(join(ROOT, file), 'utf8')),
    );
    expect(casts).toEqual([]);
  });

  it('no product file grows past 450 lines (split by role, not grown)', () => {
    // The playground's style sheets and page too: they are product files, kept by the same rule.
    const pageFiles = readdirSync(join(ROOT, 'adapters/web/public'))
      .filter((name) => /\.(css|html)$/.test(name))
      .map((name) => `adapters/web/public/${name}`);
    const long = [...['engine', 'src', 'commands', 'adapters'].flatMap(sourceFiles), ...pageFiles]
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 450);
    expect(long).toEqual([]);
  });

  it('product code never imports tests, test doubles or benchmarks', () => {
    for (const room of ['engine', 'src', 'commands', 'adapters']) {
      expect(
        violations(room, (i) => i.relative && (inRoom(i.target, 'test') || inRoom(i.target, 'bench'))),
        room,
      ).toEqual([]);
    }
  });

  it('ARCHITECTURE.md stays a short picture (under 120 lines)', () => {
    const lines = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThan(120);
  });
});
