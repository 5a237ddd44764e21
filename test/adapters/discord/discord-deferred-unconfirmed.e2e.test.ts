// A deferred answer whose edit Discord made though every answer to it was lost (a 5xx at each of discord.js's
// tries): found through the token as edited, it counts as sent, as an answer at once does (answer.ts
// `shownAnyway`). So an undelivered notice it carried was shown, and the next interaction does not show it again.
// A lookup held in the same outage is given up after `REPLY_LOOKUP_MS`: the job's status does not wait for it.
import { beforeAll, describe, expect, it } from 'vitest';
import { REPLY_LOOKUP_MS } from '../../../adapters/discord/answer.js';
import { t } from '../../../src/i18n.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { CHANNEL_POST, EDIT, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const CDN = 'GET /attachments/:channel/:attachment/:filename';
const LOOKUP = 'GET /webhooks/:app/:token/messages/:message';

const world = useDiscordOnDouble('discord-deferred-unconfirmed', {});
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});

type Call = { route: string; params: Record<string, string> };

/**
 * `/edit` of an image whose slow download outlasts the acknowledgement budget: deferred, then the answer edited into
 * @original (`firstEdit`), its first four answers lost (503) though Discord made the edit.
 */
async function deferredEditUnconfirmed(
  user: FakeDiscord['world']['users']['bob'],
  attachment: { filename: string; color: string },
  instruction: string,
) {
  const image = fake.registerAttachment({
    filename: attachment.filename,
    bytes: await solidPng(attachment.color),
  });
  fake.delayRoute(CDN, 1700);
  const ix = fake.build.slashCommand({ name: 'edit', options: { image, instruction }, user });
  const firstEdit = (c: Call) =>
    c.route === EDIT && c.params.token === ix.token && c.params.message === '@original';
  fake.loseAnswer(firstEdit, { times: 4, status: 503 });
  return { ix, firstEdit };
}

/** Waits until `firstEdit`'s first four answers were all lost: the job's own progress edits may follow at once. */
async function firstFourLost(firstEdit: (c: Call) => boolean): Promise<void> {
  await expect
    .poll(
      () =>
        fake
          .callsTo(firstEdit)
          .map((c) => c.status)
          .slice(0, 4),
      { timeout: 30_000 },
    )
    .toEqual([503, 503, 503, 503]);
}

describe('Discord: a deferred answer whose edit was made but never confirmed', { timeout: 60_000 }, () => {
  it('carrying the undelivered notice: the notice counts as told, and the next answer does not repeat it', async () => {
    const user = { ...fake.world.users.bob, id: '930000000000000002', username: 'dora' };
    // A job of hers that reached no one: the next answer she gets tells her so.
    const lost = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'x' }, user }),
    );
    const lostJob = await world.queuedJob(lost);
    fake.refuseEdits(1000);
    fake.failRoute(CHANNEL_POST, { times: 1000, status: 403, code: 50013, message: 'Missing Permissions' });
    await world.ended(lostJob);
    fake.failures.clear();
    expect(world.deliveries.get(lostJob)).toBe('undelivered');

    // A slow download past the acknowledgement budget: deferred, then the answer edited in, its answers all lost.
    const { ix, firstEdit } = await deferredEditUnconfirmed(
      user,
      { filename: 'slow.png', color: '#36c' },
      'deferredlost bluer --steps 4',
    );
    const notice = t('en', 'job.undelivered_notice', { count: 1 });
    try {
      const sent = fake.dispatchInteraction(ix, { lateMs: 1500 });
      // Its first four: the job's own progress edits of @original may follow at once under load.
      await firstFourLost(firstEdit);
      expect(fake.interaction(sent.id)?.ack?.type).toBe(5);
      // Discord made it: the notice is what the user saw there.
      expect(JSON.stringify(fake.callsTo(firstEdit)[0]?.body)).toContain(notice);
    } finally {
      fake.failures.clear();
    }

    // Counted as told once the lookup through the token found the edit (it follows the fourth 503).
    const owner = { platform: 'discord' as const, userId: user.id };
    await expect
      .poll(() => world.services.jobs.store.deliveries.undeliveredOf(owner, true).map((job) => job.id), {
        timeout: 15_000,
      })
      .toEqual([]);
    const help = fake.dispatchInteraction(fake.build.slashCommand({ name: 'help', user }));
    const answered = await fake.waitForCall(fake.answerOf(help));
    expect(JSON.stringify(answered.body)).not.toContain(notice);
  });

  it('whose lookup through the token hangs in the same outage: the status does not wait past the bound', async () => {
    const user = { ...fake.world.users.bob, id: '930000000000000003', username: 'edna' };
    const { ix, firstEdit } = await deferredEditUnconfirmed(
      user,
      { filename: 'held.png', color: '#c63' },
      'lookupheld bluer --steps 4',
    );
    const lookup = (c: Call) => c.route === LOOKUP && c.params.token === ix.token;
    // Answered 14 s late: within discord.js's 15 s per try, so one try holds it all that time.
    fake.delayRoute(lookup, 14_000);
    try {
      fake.dispatchInteraction(ix, { lateMs: 1500 });
      await firstFourLost(firstEdit);
      const jobId = jobIdIn(fake.callsTo(firstEdit)[0]?.body) as string;
      // The job's ending reaches the chat soon after the lookup is given up, not once the lookup answers.
      await expect
        .poll(() => world.deliveries.get(jobId), { timeout: REPLY_LOOKUP_MS + 5000, interval: 20 })
        .toBe('edited');
      // Still held: a call is recorded once answered.
      expect(fake.callsTo(lookup)).toEqual([]);
    } finally {
      fake.failures.clear();
    }
  });
});
