// The Discord adapter's part in the operators' /readyz, with the real discord.js client against the in-repo fake:
// its shard events reach the check (a dropped gateway while it reconnects, a close it never recovers from), and a
// stopped adapter is no longer watched.
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscord } from '../../../adapters/discord/index.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

let fake: FakeDiscord | undefined;
let services: Services | undefined;

async function start(gatewayGraceMs: number) {
  fake = await startFakeDiscord();
  const opened = openDoubleServices(
    'discord-health',
    { DISCORD_TOKEN: fake.token },
    new TimedEngineDouble(40, 6),
  );
  services = opened.services;
  const { config, log } = opened;
  const running = await startDiscord(
    { config, log },
    opened.services,
    buildCommands({ config, log }, opened.services),
    {
      rest: fake.clientOptions().rest,
      cdnHosts: fake.cdnHosts,
      gatewayGraceMs,
    },
  );
  return { fake, health: opened.services.health, running };
}

afterEach(async () => {
  await services?.close();
  await fake?.stop();
  services = undefined;
  fake = undefined;
});

describe('Discord adapter health', { timeout: 30_000 }, () => {
  it('a dropped gateway counts while discord.js reconnects (no grace here) and clears once it resumes', async () => {
    const { fake, health, running } = await start(0);
    try {
      expect(health.problems()).toEqual([]);
      fake.gateway.dropConnections(4000);
      await expect
        .poll(() => health.problems(), { timeout: 5000, interval: 10 })
        .toEqual([expect.stringMatching(/^discord: gateway disconnected for \d+ s \(shard 0\)$/)]);
      await expect.poll(() => health.problems(), { timeout: 5000, interval: 10 }).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('a revoked token (4004) is reported at once, and a stopped adapter is no longer watched', async () => {
    const unhandled = watchUnhandledRejections();
    const { fake, health, running } = await start(60_000);
    try {
      fake.gateway.dropConnections(4004);
      await expect
        .poll(() => health.problems(), { timeout: 5000, interval: 10 })
        .toEqual([
          'discord: gateway closed with 4004 (AuthenticationFailed) on shard 0 and will not reconnect',
        ]);
    } finally {
      await running.stop();
      unhandled.stop();
    }
    expect(health.problems()).toEqual([]);
    expect(unhandled.rejections).toEqual([]);
  });
});
