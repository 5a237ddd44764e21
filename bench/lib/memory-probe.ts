// What bench/memory-soak.ts samples in the measured process: memory after a forced GC, open handles by kind, and
// the sizes of the Maps, Sets and arrays reachable from the bot's long-lived objects (a cheap leak finder: a
// structure keyed by job, user or chat that only grows shows up by its path), and the diff of two heap snapshots
// by constructor.
import { createReadStream } from 'node:fs';

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  handles: Record<string, number>;
  handlesTotal: number;
}

/** Memory after a full collection (node --expose-gc), and the open handles by kind. */
export function sampleMemory(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run node with --expose-gc');
  // Twice: the first pass runs finalizers (FinalizationRegistry, weak callbacks) whose garbage the second frees.
  gc();
  gc();
  const memory = process.memoryUsage();
  const handles: Record<string, number> = {};
  const info = process.getActiveResourcesInfo();
  for (const kind of info) handles[kind] = (handles[kind] ?? 0) + 1;
  return {
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    arrayBuffersBytes: memory.arrayBuffers,
    handles,
    handlesTotal: info.length,
  };
}

const SKIP_CONSTRUCTORS = new Set([
  'Buffer',
  'Uint8Array',
  'Float32Array',
  'Int32Array',
  'ArrayBuffer',
  'Promise',
]);

/**
 * Sizes of every Map, Set and array reachable from `roots` through own properties (TypeScript `private` fields are
 * plain properties; `#private` fields and closures are out of reach). Entries of a collection are walked too, and
 * their paths folded into `[*]`, so `tracker.jobs` and `lanes[*].dirty` sum over all of them.
 */
export function collectionSizes(
  roots: Record<string, unknown>,
  maxDepth = 7,
  maxNodes = 200_000,
): Map<string, number> {
  const sizes = new Map<string, number>();
  const seen = new Set<object>();
  let nodes = 0;
  const add = (path: string, size: number) => sizes.set(path, (sizes.get(path) ?? 0) + size);
  const visit = (value: unknown, path: string, depth: number): void => {
    if (value === null || typeof value !== 'object' || depth > maxDepth || nodes > maxNodes) return;
    if (seen.has(value)) return;
    seen.add(value);
    nodes += 1;
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
    const name = (value as object).constructor?.name ?? '';
    if (SKIP_CONSTRUCTORS.has(name)) return;
    if (value instanceof Map) {
      add(path, value.size);
      let i = 0;
      for (const [, entry] of value) {
        if (i++ >= 64) break;
        visit(entry, `${path}[*]`, depth + 1);
      }
      return;
    }
    if (value instanceof Set) {
      add(path, value.size);
      let i = 0;
      for (const entry of value) {
        if (i++ >= 64) break;
        visit(entry, `${path}[*]`, depth + 1);
      }
      return;
    }
    if (Array.isArray(value)) {
      add(path, value.length);
      for (let i = 0; i < Math.min(value.length, 64); i++) visit(value[i], `${path}[*]`, depth + 1);
      return;
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      let child: unknown;
      try {
        child = (value as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      visit(child, `${path}.${key}`, depth + 1);
    }
  };
  for (const [name, root] of Object.entries(roots)) visit(root, name, 0);
  return sizes;
}

/** Object counts by constructor (V8 heap snapshot node names of kind "object" and "closure"). */
export async function countsByConstructor(
  file: string,
): Promise<Map<string, { count: number; bytes: number }>> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
  const snapshot = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const counts = new Map<string, { count: number; bytes: number }>();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt] as number];
    if (type !== 'object' && type !== 'closure') continue;
    const name = `${type === 'closure' ? 'closure ' : ''}${strings[nodes[i + nameAt] as number]}`;
    const entry = counts.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[i + sizeAt] as number;
    counts.set(name, entry);
  }
  return counts;
}

/** Least-squares slope of `ys` over `xs` (the growth per unit of x); 0 with fewer than two points. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
