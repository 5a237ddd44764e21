// Delete when some messages of the result cannot simply go: one a moderator deleted already (10008), one Discord
// refuses (403 Missing Permissions), one whose route is rate limited past the 3 s an interaction must be answered
// in, the private message pressed on already gone, and a store that cannot be read. Each message is tried on its
// own, so the others still go; the press is always answered in time, and nothing fails the bot.
import type { APIMessage } from 'discord.js';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import type { FakeDiscord } from '../../doubles/fake-discord/index.js';
import { EDIT, FOLLOW_UP, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-delete-failures', {}, { notifyAfterMs: 0 });
let fake: FakeDiscord;
beforeAll(() => {
  fake = world.fake;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const DELETE = 'DELETE /channels/:channel/messages/:message';
const WEBHOOK_DELETE = 'DELETE /webhooks/:app/:token/messages/:message';

/** The messages other than `status` carrying the job's Re-roll button: its result. */
const resultsOf = (jobId: string, status: string) =>
  [...fake.store.messages.values()]
    .filter((m) => m.id !== status && JSON.stringify(m.components ?? []).includes(`reroll:${jobId}`))
    .map((m) => m.id);

/** The bot's messages (still there) whose text says `mark`. */
const saying = (mark: string) =>
  [...fake.store.messages.values()].filter((m) => m.content?.includes(mark)).map((m) => m.id);

/**
 * A finished job of `user` whose result is four messages: its status message (whose first reply went on in two
 * further messages, each saying `mark`) and the result below it.
 */
async function fourMessages(mark: string, user = fake.world.users.alice) {
  const { commands } = world.bot;
  const run = commands.run.bind(commands);
  const line = { key: 'reply.piece', params: { text: `${mark} ${'x'.repeat(1900)}` } };
  vi.spyOn(commands, 'run').mockImplementation(async (ctx, call) => {
    const reply: Reply = await run(ctx, call);
    return { ...reply, text: [...reply.text, line, line, line] };
  });
  const ix = fake.dispatchInteraction(
    fake.build.slashCommand({ name: 'imagine', options: { prompt: `a ${mark} fox` }, user }),
  );
  const jobId = await world.queuedJob(ix);
  const status = fake.interaction(ix.id)?.originalMessageId as string;
  const rest = () => saying(mark).filter((id) => id !== status);
  await expect.poll(() => rest().length, { timeout: 5000 }).toBe(2);
  vi.restoreAllMocks();
  await world.ended(jobId);
  const [result] = resultsOf(jobId, status);
  expect(result).toBeDefined();
  return { jobId, status, rest: rest(), result: result as string };
}

/** Presses Delete of `jobId` on message `id`: the press, once Discord has it acknowledged in time. */
async function pressDelete(jobId: string, id: string, user = fake.world.users.alice) {
  const ix = fake.dispatchInteraction(
    fake.build.buttonPress({ customId: `delete:${jobId}`, message: fake.message(id) as APIMessage, user }),
  );
  await expect
    .poll(() => fake.interaction(ix.id)?.ack ?? fake.interaction(ix.id)?.missedDeadline, { timeout: 8000 })
    .toBeDefined();
  expect(fake.interaction(ix.id)?.missedDeadline).toBeFalsy();
  return ix;
}

const warnings = () => vi.spyOn(world.log, 'warn');

describe('Discord: Delete when some messages cannot simply go', { timeout: 60_000 }, () => {
  it('one a moderator deleted already (10008): the others go, and nothing is logged for it', async () => {
    const { jobId, status, rest, result } = await fourMessages('MODERATED');
    fake.deleteMessage(rest[0] as string);
    const warn = warnings();
    await pressDelete(jobId, result);
    await expect.poll(() => fake.message(status), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => saying('MODERATED'), { timeout: 5000 }).toEqual([]);
    expect(fake.message(result)).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  it('one Discord refuses (403 Missing Permissions): the others go, the refusal is logged', async () => {
    const { jobId, status, rest, result } = await fourMessages('REFUSED');
    const [kept, other] = rest as [string, string];
    fake.failRoute((c) => c.route === DELETE && c.params.message === kept, {
      status: 403,
      code: 50013,
      message: 'Missing Permissions',
    });
    const warn = warnings();
    await pressDelete(jobId, result);
    await expect.poll(() => fake.message(status), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => fake.message(other), { timeout: 5000 }).toBeUndefined();
    expect(fake.message(result)).toBeUndefined();
    expect(fake.message(kept)).toBeDefined();
    await expect
      .poll(() => warn.mock.calls.filter((c) => String(c[1]).includes('could not be removed')).length)
      .toBe(1);
  });

  it('one rate limited past the 3 s a press must be answered in: answered at once, every message goes after', async () => {
    const { jobId, status, rest, result } = await fourMessages('LIMITED');
    fake.rateLimit((c) => c.route === DELETE && c.params.message === status, { retryAfterSeconds: 3.5 });
    const press = await pressDelete(jobId, result);
    expect(fake.interaction(press.id)?.ack?.type).toBe(6);
    await expect.poll(() => fake.message(status), { timeout: 10_000 }).toBeUndefined();
    await expect.poll(() => saying('LIMITED'), { timeout: 5000 }).toEqual([]);
    for (const id of [result, ...rest]) expect(fake.message(id)).toBeUndefined();
  });

  it('the pressed message refused through the channel goes through the press itself', async () => {
    const { jobId, status, result } = await fourMessages('THROUGH-PRESS');
    fake.failRoute((c) => c.route === DELETE && c.params.message === result, {
      status: 403,
      code: 50001,
      message: 'Missing Access',
    });
    await pressDelete(jobId, result);
    await expect.poll(() => fake.message(result), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => fake.message(status), { timeout: 5000 }).toBeUndefined();
    await expect.poll(() => saying('THROUGH-PRESS'), { timeout: 5000 }).toEqual([]);
  });

  it('the pressed message that stays (refused both ways) is told privately; the others still go', async () => {
    const { jobId, status, rest, result } = await fourMessages('STAYS');
    const refusal = { status: 403, code: 50001, message: 'Missing Access' };
    fake.failRoute((c) => c.route === DELETE && c.params.message === result, refusal);
    fake.failRoute((c) => c.route === WEBHOOK_DELETE, refusal);
    const press = await pressDelete(jobId, result);
    const told = await fake.waitForCall((c) => c.route === FOLLOW_UP && c.params.token === press.token);
    expect(told.body).toMatchObject({ content: t('en', 'errors.generic'), flags: 64 });
    expect(fake.message(result)).toBeDefined();
    await expect.poll(() => fake.message(status), { timeout: 5000 }).toBeUndefined();
    for (const id of rest) await expect.poll(() => fake.message(id), { timeout: 5000 }).toBeUndefined();
  });

  it('a deferred press whose message pressed on stays: the word told in the deferred reply, which stays', async () => {
    const { jobId, status, result } = await fourMessages('DEFERRED-STAYS');
    fake.failRoute((c) => c.route === DELETE && c.params.message === result, {
      status: 403,
      code: 50001,
      message: 'Missing Access',
    });
    // An answer slower than the acknowledgement budget: the press is deferred as a reply of its own (type 5).
    const { commands } = world.bot;
    const pressButton = commands.pressButton.bind(commands);
    vi.spyOn(commands, 'pressButton').mockImplementationOnce(async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return pressButton(...args);
    });
    const press = await pressDelete(jobId, result);
    expect(fake.interaction(press.id)?.ack?.type).toBe(5);
    await expect.poll(() => fake.message(status), { timeout: 8000 }).toBeUndefined();
    await expect.poll(() => saying('DEFERRED-STAYS'), { timeout: 5000 }).toEqual([]);
    // Settled: nothing of the press is still on its way.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const told = [...fake.store.messages.values()].filter(
      (m) => m.interaction_metadata?.id === press.id && m.content === t('en', 'errors.generic'),
    );
    expect(told.map((m) => Boolean((m.flags ?? 0) & 64))).toEqual([true]);
    expect(fake.message(result)).toBeDefined();
  });

  it('a private result whose message pressed on is gone already (10008): its copy in DMs still goes', async () => {
    const { bob } = fake.world.users;
    const settings = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'settings', options: { private: true }, user: bob }),
    );
    await fake.waitForCall(fake.answerOf(settings));
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a private fox gone' }, user: bob }),
    );
    const jobId = await world.queuedJob(ix);
    const status = fake.interaction(ix.id)?.originalMessageId as string;
    // The ending's edit of the status message is refused once: the result goes to Bob's DMs.
    fake.failRoute((c) => c.route === EDIT && JSON.stringify(c.body).includes(`reroll:${jobId}`), {
      status: 400,
      code: 50035,
      message: 'Invalid Form Body',
    });
    await world.ended(jobId);
    const [dm] = resultsOf(jobId, status);
    expect(dm).toBeDefined();
    await expect
      .poll(() => JSON.stringify((fake.message(status) as APIMessage).components), { timeout: 5000 })
      .toContain(`delete:${jobId}`);
    fake.failRoute((c) => c.route === WEBHOOK_DELETE, {
      status: 404,
      code: 10008,
      message: 'Unknown Message',
    });
    await pressDelete(jobId, status, bob);
    await expect.poll(() => fake.message(dm as string), { timeout: 5000 }).toBeUndefined();
  });

  it('a store that cannot be read: the press is answered, the message pressed on goes, nothing fails', async () => {
    const { jobId, status, result } = await fourMessages('UNREADABLE');
    vi.spyOn(world.services.jobs.store.deliveries, 'placeOf').mockImplementation(() => {
      throw new Error('database disk image is malformed');
    });
    const warn = warnings();
    const press = await pressDelete(jobId, result);
    await expect.poll(() => fake.message(result), { timeout: 5000 }).toBeUndefined();
    await expect
      .poll(() => warn.mock.calls.some((c) => String(c[1]).includes('could not be read')))
      .toBe(true);
    // Nothing edited into a message, no error told: the job itself was deleted.
    const told = (c: { route: string; params: Record<string, string> }) =>
      (c.route === FOLLOW_UP || c.route === EDIT) && c.params.token === press.token;
    expect(fake.callsTo(told)).toEqual([]);
    expect(fake.message(status)).toBeDefined();
  });
});
