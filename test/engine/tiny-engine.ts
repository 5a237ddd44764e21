// The real engine on a generated tiny checkpoint, as the engine's end-to-end tests start it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createEngine, type Engine, makeTestCheckpoint } from '../../engine/index.js';

// DIMOO_TEST_DEVICE=cuda runs these on a GPU (a host with Node and `npx dimoo gpu-setup` done).
export const TEST_DEVICE = process.env.DIMOO_TEST_DEVICE === 'cuda' ? 'cuda' : 'cpu';

export interface TinyEngine {
  engine: Engine;
  /** The checkpoint's folder. */
  dir: string;
}

/**
 * A tiny bf16 checkpoint generated from `seed` in a fresh folder named from `prefix`, and the engine on it on
 * TEST_DEVICE: made before the enclosing block's tests and closed after them. Read its fields inside the tests.
 */
export function useTinyEngine(prefix: string, seed: number): TinyEngine {
  const world = {} as TinyEngine;
  beforeAll(async () => {
    world.dir = mkdtempSync(join(tmpdir(), prefix));
    makeTestCheckpoint({ out: world.dir, preset: 'tiny', seed, dtype: 'bf16' });
    world.engine = await createEngine({ modelDir: world.dir, device: TEST_DEVICE });
  });
  afterAll(async () => world.engine?.close());
  return world;
}
