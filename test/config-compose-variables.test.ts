// docker compose reads the same `.env` as the bot (README: "Set variables in the environment or in `.env`"), so a
// variable that docker-compose.yml takes from it (WORKER_BASE, README's GPU worker build) must not be called a typo
// of one of the bot's own names by `npm start` and `dimoo config`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { unknownVariables } from '../src/config/unknown-variables.js';

const compose = readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8');
const composeReads = [
  ...new Set([...compose.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string)),
];

describe('variables docker-compose.yml reads from .env', () => {
  it('are found in the compose file (the worker image build among them)', () => {
    expect(composeReads).toEqual(expect.arrayContaining(['WORKER_BASE', 'ORT_CUDA', 'MODEL_DIR_HOST']));
  });

  it('are never reported as unknown or misspelt', () => {
    const env = Object.fromEntries(composeReads.map((name) => [name, 'x']));
    expect(unknownVariables(env)).toEqual([]);
  });

  it('leave the start-up warnings empty when set in .env beside the bot’s own', () => {
    // A valid worker build setting: a CUDA base image and the provider install.
    const config = loadConfig({ WORKER_BASE: 'nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04', ORT_CUDA: '1' });
    expect(config.warnings).toBeUndefined();
  });
});
