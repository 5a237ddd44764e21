// Stopping the Telegram adapter with the real grammY client (and its runner) against the fake Bot API, in the order
// the app stops on SIGTERM: the job worker drains first, then the adapter stops, then the store closes. What the
// adapter had taken before it stopped is finished before stop() resolves: a handler still downloading gets its
// answer (the worker is stopping, so its request is set aside for the next start, and it says so: inbox.ts), and an
// album still gathering is handled, not dropped: Telegram will not send its updates again.
import type { Message } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drainShared } from '../../../src/app-services.js';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { waitUntil } from '../../doubles/shared/wait.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { jobIdIn, startTelegramOnFake, type TelegramOnFake, textOf } from './telegram-on-fake.js';

let fake: FakeTelegram;
let services: Services;
let bot: TelegramOnFake | undefined;
const unhandled = watchUnhandledRejections();

beforeEach(async () => {
  // Albums wait far longer than the test: only stopping can hand one over.
  bot = await startTelegramOnFake('telegram-shutdown', new TimedEngineDouble(20, 3), {
    testing: { albumQuietMs: 60_000 },
  });
  ({ fake, services } = bot);
}, 60_000);

afterEach(async () => {
  await bot?.stop();
  expect(unhandled.rejections).toEqual([]);
});

const postponedText = () => t('en', 'job.postponed_restart');
const answers = (request: Message) => (c: TelegramCall) =>
  c.method === 'sendMessage' &&
  c.params.chat_id === request.chat.id &&
  c.params.reply_parameters?.message_id === request.message_id;

/** The app's order on SIGTERM: the worker drains, then the adapter stops; resolves with how long stop took. */
async function shutDown(): Promise<number> {
  await services.jobs.queue.stop({ waitMs: 2000 });
  const started = Date.now();
  await bot?.running.stop();
  return Date.now() - started;
}

describe('Telegram adapter stop', { timeout: 60_000 }, () => {
  it('waits for a handler in flight: a command still downloading is answered before stop resolves', async () => {
    const photo = fake.registerFile(await solidPng('#369'));
    fake.slowDown('downloadFile', 1500);
    const request = fake.injectPhoto(photo, { caption: '/describe' });
    // getFile is answered at once; the download that follows is the slow part.
    await fake.waitForCall('getFile', 10_000);
    const took = await shutDown();
    const answer = fake.callsTo(answers(request));
    expect(answer.map((c) => c.params.text)).toEqual([postponedText()]);
    expect(took).toBeLessThan(10_000);
  });

  it('hands over an album still gathering: its images are downloaded and it is answered before stop resolves', async () => {
    const [image, mask] = await Promise.all([solidPng('#963'), solidPng('#fff')]);
    const first = fake.injectPhoto(fake.registerFile(image), {
      caption: '/retouch a hat',
      mediaGroupId: 'a1',
    });
    fake.injectPhoto(fake.registerFile(mask), { mediaGroupId: 'a1' });
    // A chat's updates are handled in order: once a later one is answered, both album items were taken.
    const marker = fake.injectText('/help');
    await fake.waitForCall(answers(marker), 10_000);
    expect(fake.callsTo('getFile')).toEqual([]);
    await shutDown();
    expect(fake.callsTo('getFile')).toHaveLength(2);
    expect(fake.callsTo(answers(first)).map((c) => c.params.text)).toEqual([postponedText()]);
  });

  it('a running job put back says the bot restarts before stop resolves, and no chat action follows it', async () => {
    await bot?.stop();
    // A slow job, so it is running when the drain comes.
    bot = await startTelegramOnFake('telegram-shutdown-running', new TimedEngineDouble(40, 1000));
    ({ fake, services } = bot);
    const running = bot;
    const request = fake.injectText('/imagine a fox');
    const status = await fake.waitForCall((c) => answers(request)(c) && jobIdIn(c) !== undefined, 10_000);
    const jobId = jobIdIn(status) as string;
    await waitUntil(() => services.jobs.store.get(jobId)?.status === 'running', 'the job runs', 10_000);
    const statusId = (status.result as { message_id: number }).message_id;
    const restartLine = t('en', 'job.paused_restart');
    const shownRestart = () =>
      fake.callsTo(
        (c) =>
          /^editMessage(Text|Caption)$/.test(c.method) &&
          c.params.message_id === statusId &&
          textOf(c).startsWith(restartLine),
      );

    await drainShared({
      services: { ...services, drain: () => services.jobs.queue.stop({ waitMs: 50 }) },
      commands: running.commands,
    });
    // Shown by the time the drain resolves: the adapter handed its edit back to be waited for.
    expect(shownRestart()).toHaveLength(1);
    expect(services.jobs.store.get(jobId)?.status).toBe('queued');
    const actionsBefore = fake.callsTo('sendChatAction').length;
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    // Telegram shows a chat action for 5 s: one renewed after the restart line would say a photo is coming.
    expect(fake.callsTo('sendChatAction')).toHaveLength(actionsBefore);
  });
});
