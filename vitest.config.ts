import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // Forks, not threads: onnxruntime-node, sharp and better-sqlite3 are native addons that are safest one per process.
    pool: 'forks',
    testTimeout: 30_000,
    // Hooks may generate a test checkpoint or start a fake platform server.
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
    globalSetup: ['./test/temp-root.ts'],
    // The default reporter ends with the "Test Files … Tests … Duration" summary; CI logs get the same.
    reporters: ['default'],
    passWithNoTests: false,
  },
});
