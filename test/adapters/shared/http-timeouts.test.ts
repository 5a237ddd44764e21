// How often Node sweeps a server's connections for its header and request limits: at most a second apart, so each
// limit holds to about a second, and never so often that a tiny limit turns the sweep into a busy loop.
import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { limitConnections } from '../../../adapters/shared/http-timeouts.js';

const checkingInterval = (idleMs: number, headersMs?: number) => {
  const server = createServer();
  limitConnections(server, { idleMs, headersMs });
  return Reflect.get(server, 'connectionsCheckingInterval') as number;
};

describe('limitConnections', () => {
  it('sweeps every second, or as often as the header limit needs', () => {
    expect(checkingInterval(120_000)).toBe(1_000);
    expect(checkingInterval(600)).toBe(600);
    expect(checkingInterval(120_000, 250)).toBe(250);
  });

  it('never sweeps more often than every 100 ms, whatever the limits', () => {
    expect(checkingInterval(0)).toBe(100);
    expect(checkingInterval(120_000, 1)).toBe(100);
  });
});
