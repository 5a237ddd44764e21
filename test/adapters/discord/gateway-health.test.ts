// The Discord gateway's health for /readyz, on a clock of the test's own: a drop counts only past the grace (the
// first close, not the latest, starts it), READY or RESUMED ends it, a close discord.js never recovers from counts
// at once, and with interactions over HTTP only such a close does.
import { describe, expect, it } from 'vitest';
import { GATEWAY_GRACE_MS, GatewayHealth } from '../../../adapters/discord/gateway-health.js';

function clocked(options: { interactionsOverHttp?: boolean } = {}) {
  let now = 1_000_000;
  const health = new GatewayHealth({ ...options, now: () => now });
  const advance = (ms: number) => {
    now += ms;
  };
  return { health, advance };
}

describe('Discord gateway health', () => {
  it('a drop shorter than the grace is no problem; a longer one names the shard and how long', () => {
    const { health, advance } = clocked();
    expect(health.problem()).toBeUndefined();
    health.reconnecting(0);
    advance(GATEWAY_GRACE_MS - 1);
    expect(health.problem()).toBeUndefined();
    // Every failed attempt closes again: the outage still counts from its first close.
    health.reconnecting(0);
    advance(1);
    expect(health.problem()).toBe('gateway disconnected for 60 s (shard 0)');
    health.ready(0);
    expect(health.problem()).toBeUndefined();
  });

  it('each shard counts for itself: one that resumed does not hide another still down', () => {
    const { health, advance } = clocked();
    health.reconnecting(0);
    health.reconnecting(1);
    advance(GATEWAY_GRACE_MS);
    health.ready(0);
    expect(health.problem()).toContain('shard 1');
  });

  it('a close discord.js gives up on is reported at once, and stays', () => {
    const { health } = clocked();
    health.disconnected(0, 4004);
    expect(health.problem()).toBe(
      'gateway closed with 4004 (AuthenticationFailed) on shard 0 and will not reconnect',
    );
    health.ready(0);
    expect(health.problem()).toContain('4004');
  });

  it('with interactions over HTTP a long drop is no problem (commands still arrive), a fatal close is', () => {
    const { health, advance } = clocked({ interactionsOverHttp: true });
    health.reconnecting(0);
    advance(10 * GATEWAY_GRACE_MS);
    expect(health.problem()).toBeUndefined();
    health.disconnected(0, 4014);
    expect(health.problem()).toContain('4014 (DisallowedIntents)');
  });
});
