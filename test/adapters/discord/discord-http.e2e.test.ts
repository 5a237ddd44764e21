// HTTP interactions mode end to end: the fake Discord POSTs signed interactions to the bot's endpoint (no gateway
// INTERACTION_CREATE), a real discord.js client answers through the callback and webhook routes, and the real engine
// on a generated checkpoint makes the image.

import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { CALLBACK, EDIT, useDiscordOnEngine } from './double-bot.js';

const world = useDiscordOnEngine(
  'discord-http',
  (fake) => ({ DISCORD_PUBLIC_KEY: fake.signingKeys.publicKeyHex, DISCORD_INTERACTIONS_PORT: '8999' }),
  { interactionsPort: 0 },
);
let fake: FakeDiscord;
let url: string;
beforeAll(() => {
  fake = world.fake;
  url = world.running.bot.interactionsUrl as string;
});

describe('Discord adapter in HTTP interactions mode', { timeout: 90_000 }, () => {
  it('listens on /interactions and answers Discord’s PING', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/interactions$/);
    const ping = await fake.deliverInteraction(url, {
      ...fake.build.slashCommand({ name: 'help' }),
      type: 1,
    } as never);
    expect(ping).toMatchObject({ status: 200, body: { type: 1 } });
  });

  it('/imagine over HTTP: 202, answered within the deadline, queued, then the PNG with buttons', async () => {
    const ix = await fake.deliverInteraction(
      url,
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a lighthouse --steps 4' } }),
    );
    expect(ix.status).toBe(202);
    expect(ix.body).toBeUndefined();
    const final = await fake.waitForCall(
      (c) => c.route === EDIT && c.params.token === ix.token && JSON.stringify(c.body).includes('reroll:'),
      60_000,
    );
    const state = fake.interaction(ix.id);
    // Answered at once with the queued message (no deferral needed: the reply was ready within the budget).
    expect(state?.ack?.type).toBe(4);
    expect((state?.ack?.at ?? Infinity) - (state?.dispatchedAt ?? 0)).toBeLessThan(3000);
    expect(final.files.some((f) => f.filename?.endsWith('.png'))).toBe(true);
  });

  it('a forged request gets 401 and no answer; a malformed one does not stop the next', async () => {
    const forged = await fake.deliverInteraction(url, fake.build.slashCommand({ name: 'help' }), {
      privateKey: generateKeyPairSync('ed25519').privateKey,
    });
    expect(forged.status).toBe(401);
    const junk = await fake.deliverInteraction(url, { id: '5', type: 2, token: 'x' } as never);
    expect(junk.status).toBe(202);
    const help = await fake.deliverInteraction(url, fake.build.slashCommand({ name: 'help' }));
    const answer = await fake.waitForCall(fake.answerOf(help));
    expect(JSON.stringify(answer.body)).toMatch(/imagine/);
    expect(fake.callsTo(CALLBACK).some((c) => c.params.id === forged.id)).toBe(false);
  });
});
