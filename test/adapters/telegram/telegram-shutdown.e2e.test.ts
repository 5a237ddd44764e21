// Stopping the Telegram adapter with the real grammY client (and its runner) against the fake Bot API, in the order
// the app stops on SIGTERM: the job worker drains first, then the adapter stops, then the store closes. What the
// adapter had taken before it stopped is finished before stop() resolves: a handler still downloading gets its
// answer (the queue's "restarting" refusal, as the worker is stopping), and an album still gathering is handled,
// not dropped: Telegram will not send its updates again.
import type { Message } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import type { FakeTelegram, TelegramCall } from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { solidPng } from '../e2e-services.js';
import { startTelegramOnFake, type TelegramOnFake } from './telegram-on-fake.js';

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

const stoppingText = () => t('en', 'errors.queue.stopping');
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
  it('waits for a handler in flight: a command still downloading gets the refusal before stop resolves', async () => {
    const photo = fake.registerFile(await solidPng('#369'));
    fake.slowDown('downloadFile', 1500);
    const request = fake.injectPhoto(photo, { caption: '/describe' });
    // getFile is answered at once; the download that follows is the slow part.
    await fake.waitForCall('getFile', 10_000);
    const took = await shutDown();
    const answer = fake.callsTo(answers(request));
    expect(answer.map((c) => c.params.text)).toEqual([stoppingText()]);
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
    expect(fake.callsTo(answers(first)).map((c) => c.params.text)).toEqual([stoppingText()]);
  });
});
