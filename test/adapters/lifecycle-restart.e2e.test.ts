// After a restart, a job that was running goes on in the status message it already had: its progress and its
// ending edit that message (Discord; one waited on for over a minute, counted from its submission, ends with a new
// message naming its owner) or end it with a photo replying to the user's request (Telegram), found through the
// stored place. Real clients against the fakes, on the engine double.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscord } from '../../adapters/discord/index.js';
import { startTelegram } from '../../adapters/telegram/index.js';
import { buildCommands } from '../../src/app-services.js';
import { type Job, JobStore } from '../../src/jobs/index.js';
import { startFakeDiscord } from '../doubles/fake-discord/index.js';
import { startFakeTelegram } from '../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { openDoubleServices } from './e2e-services.js';

const stops: Array<() => Promise<void>> = [];
const unhandled = watchUnhandledRejections();

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  expect(unhandled.rejections).toEqual([]);
});

/** The state a killed process leaves behind: a running job and where its status message is. */
function leftBehind(
  dataDir: string,
  owner: Job['owner'],
  scope: string,
  place: Record<string, unknown>,
  /** How long ago it was submitted (and started). */
  ageMs = 20_000,
): string {
  const store = new JobStore(dataDir);
  const id = store.newId();
  store.insert({
    id,
    seq: store.nextSeq(),
    owner,
    scope,
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'interrupted fox', width: 64, height: 64, steps: 3, seed: 5 },
    meta: { locale: 'en' },
    priority: 'normal',
    status: 'running',
    attempts: 1,
    estimatedCost: 1000,
    createdAt: Date.now() - ageMs,
    startedAt: Date.now() - ageMs,
  });
  store.deliveries.remember(id, place);
  store.close();
  return id;
}

describe('the job-status lifecycle after a restart', { timeout: 60_000 }, () => {
  it.each([
    { waited: 'seconds', ageMs: 20_000 },
    { waited: 'two minutes', ageMs: 120_000 },
  ])(
    'Discord: a job waited on for $waited ends in its stored status message, or pings in a new one after a minute',
    async ({ ageMs }) => {
      const fake = await startFakeDiscord();
      stops.push(() => fake.stop());
      const status = fake.store.createMessage(
        fake.world.channel.id,
        { content: 'Working on it: step 2 of 3.' },
        [],
      );
      const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-restart-discord-'));
      const jobId = leftBehind(
        dataDir,
        { platform: 'discord', userId: fake.world.users.alice.id },
        `guild:${fake.world.guild.id}`,
        {
          channelId: fake.world.channel.id,
          messageId: status.id,
          userId: fake.world.users.alice.id,
          locale: 'en',
          uploadLimit: 10 << 20,
          private: false,
        },
        ageMs,
      );
      // The job system recovers interrupted jobs when it opens: the state is written first.
      const opened = openDoubleServices(
        'restart-discord',
        { DISCORD_TOKEN: fake.token, DATA_DIR: dataDir },
        new TimedEngineDouble(20, 3),
      );
      const bot = await startDiscord(
        { config: opened.config, log: opened.log },
        opened.services,
        buildCommands({ config: opened.config, log: opened.log }, opened.services),
        {
          rest: fake.clientOptions().rest,
          cdnHosts: fake.cdnHosts,
          editIntervalMs: 20,
        },
      );
      stops.push(
        () => opened.services.close(),
        () => bot.stop(),
      );
      opened.services.start();
      const posts = () => fake.callsTo('POST /channels/:channel/messages');
      if (ageMs < 60_000) {
        await expect
          .poll(() => JSON.stringify(fake.message(status.id)?.components ?? []), { timeout: 20_000 })
          .toContain(`reroll:${jobId}`);
        expect(posts()).toEqual([]);
        return;
      }
      // Waited on since before the restart: the result comes as a new message naming its owner.
      await expect.poll(() => posts().length, { timeout: 20_000 }).toBe(1);
      const body = posts()[0]?.body as { content: string };
      expect(body.content.startsWith(`<@${fake.world.users.alice.id}>`)).toBe(true);
      expect(JSON.stringify(body)).toContain(`reroll:${jobId}`);
      await expect
        .poll(() => fake.message(status.id)?.content, { timeout: 5000 })
        .toBe('Done: the result is in the message below.');
    },
  );

  it('Telegram: progress edits the stored status message; the result replies to the request', async () => {
    const fake = await startFakeTelegram({ maxLongPollMs: 200, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
    stops.push(() => fake.stop());
    const { alice } = fake.world.users;
    const request = fake.injectText('/imagine interrupted fox', { from: alice });
    const status = fake.state.store(
      fake.state.compose(fake.state.chat(alice.id) as never, {
        text: 'Working on it: step 1 of 3.',
        from: fake.world.bot,
      }),
    );
    // The old request was answered before the crash: the new process must not see it again.
    fake.state.updates.confirm(fake.lastUpdateId + 1);
    const dataDir = mkdtempSync(join(tmpdir(), 'dimoo-restart-telegram-'));
    const place = {
      chatId: alice.id,
      messageId: status.message_id,
      replyTo: request.message_id,
      locale: 'en',
      group: false,
      previews: false,
      text: status.text,
    };
    const jobId = leftBehind(
      dataDir,
      { platform: 'telegram', userId: String(alice.id) },
      `chat:${alice.id}`,
      place,
    );
    const opened = openDoubleServices(
      'restart-telegram',
      { TELEGRAM_TOKEN: fake.token, DATA_DIR: dataDir },
      new TimedEngineDouble(60, 3),
    );
    const bot = await startTelegram(
      { config: opened.config, log: opened.log },
      opened.services,
      buildCommands({ config: opened.config, log: opened.log }, opened.services),
      {
        apiRoot: fake.apiRoot,
        editIntervalMs: { private: 10, group: 20 },
      },
    );
    stops.push(
      () => opened.services.close(),
      () => bot.stop(),
    );
    opened.services.start();
    const photo = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && JSON.stringify(c.params).includes(jobId),
      20_000,
    );
    expect(JSON.stringify(photo.params.reply_parameters)).toContain(`"message_id":${request.message_id}`);
    const edits = fake.callsTo(
      (c) => c.method === 'editMessageText' && Number(c.params.message_id) === status.message_id,
    );
    expect(edits.length).toBeGreaterThan(0);
    await expect.poll(() => fake.message(alice.id, status.message_id), { timeout: 5000 }).toBeUndefined();
  });
});
