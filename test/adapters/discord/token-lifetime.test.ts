// An interaction's token lives 15 minutes from the interaction's creation (Discord's clock), not from when its reply
// was sent: a command whose answer took long (slow attachment downloads after a deferral) has that much less time
// to edit its status message through the token, and a server that removes the bot meanwhile must count with it.
import Database from 'better-sqlite3';
import type { Client, Message, RepliableInteraction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { DiscordJobMessages } from '../../../adapters/discord/job-messages.js';
import { TOKEN_LIFETIME_MS } from '../../../adapters/discord/status.js';
import type { CommandContext } from '../../../commands/index.js';
import { DeliveryLog } from '../../../src/jobs/index.js';
import type { Logger } from '../../../src/log.js';

const JOB = '0f0f0f0f-1111-4222-8333-444455556666';
const quiet = { warn: () => {}, info: () => {}, debug: () => {} } as unknown as Logger;

function interactionCreatedAgo(ms: number): RepliableInteraction {
  return {
    createdTimestamp: Date.now() - ms,
    channelId: '920000000000000001',
    user: { id: '930000000000000001' },
    attachmentSizeLimit: 10 * 1024 * 1024,
    editReply: async () => ({}),
  } as unknown as RepliableInteraction;
}

describe('Discord: the interaction token’s lifetime', () => {
  it('counts from the interaction’s creation, not from when its answer was ready', async () => {
    const messages = new DiscordJobMessages({} as Client, {
      deliveries: new DeliveryLog(new Database(':memory:')),
      log: quiet,
      editIntervalMs: 1000,
    });
    try {
      const answeredAfter = 5 * 60_000;
      const i = interactionCreatedAgo(answeredAfter);
      const ctx = { locale: 'en' } as CommandContext;
      const sent = Promise.resolve({ id: '940000000000000001' } as Message);
      messages.openFromInteraction(i, ctx, { jobId: JOB, startsJob: true, text: [] }, false, sent);
      const status = await messages.statusOf(JOB);
      const left = status?.tokenLeftMs() ?? 0;
      expect(left).toBeLessThanOrEqual(TOKEN_LIFETIME_MS - answeredAfter);
      expect(left).toBeGreaterThan(TOKEN_LIFETIME_MS - answeredAfter - 5000);
    } finally {
      messages.stop();
    }
  });
});
