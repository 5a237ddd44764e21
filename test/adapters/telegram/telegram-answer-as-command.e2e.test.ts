// A reply to one of the bot's questions typed as the command the answer runs (`/imagine a lighthouse at dawn` to
// Remix's question, `/outpaint 1.5x` to Custom zoom's) is still the answer: made from that result, the command's name
// no word of its prompt. Another command typed in reply (`/help`) runs as itself, as before.
import type { User } from 'grammy/types';
import { beforeEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import type { FakeTelegram } from '../../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { askedOn, newUsers, repliesTo, textOf, useRestartingTelegram } from './telegram-on-fake.js';

const engine = new TimedEngineDouble(20, 4);
const telegram = useRestartingTelegram('telegram-answer-as-command');
let fake: FakeTelegram;
let services: Services;

beforeEach(async () => {
  fake = telegram.fake;
  ({ services } = await telegram.start(engine));
}, 60_000);

const newUser = newUsers(7700);
const jobsOf = (from: User) =>
  services.jobs.store.recentOf({ platform: 'telegram', userId: String(from.id) }, 50);

const asked = (from: User, button: string, label: string) => askedOn(fake, from, button, label);

describe('Telegram: an answer typed as its command', { timeout: 60_000 }, () => {
  it('/imagine … in reply to Remix’s question is the Remix of that result', async () => {
    const from = newUser();
    const { jobId, question } = await asked(from, 'remix', t('en', 'ask.remix.label'));
    fake.injectText('/imagine a lighthouse at dawn --steps 3', { from, replyTo: question });
    await expect.poll(() => jobsOf(from).length, { timeout: 15_000, interval: 50 }).toBe(2);
    const [remixed] = jobsOf(from);
    expect(remixed?.request).toMatchObject({
      task: 'text_to_image',
      prompt: 'a lighthouse at dawn',
      steps: 3,
    });
    expect(remixed?.meta.origin).toBe(jobId);
  });

  it('/imagine@ourbot … in reply to Remix’s question drops our name too', async () => {
    const from = newUser();
    const { question } = await asked(from, 'remix', t('en', 'ask.remix.label'));
    fake.injectText('/imagine@dimoo_test_bot a lighthouse at dawn --steps 3', { from, replyTo: question });
    await expect.poll(() => jobsOf(from).length, { timeout: 15_000, interval: 50 }).toBe(2);
    expect(jobsOf(from)[0]?.request).toMatchObject({ prompt: 'a lighthouse at dawn', steps: 3 });
  });

  it('/outpaint 1.5x in reply to Custom zoom’s question zooms that result', async () => {
    const from = newUser();
    const { jobId, question } = await asked(from, 'zoomcustom', t('en', 'ask.zoom.label'));
    fake.injectText('/outpaint 1.5x', { from, replyTo: question });
    await expect.poll(() => jobsOf(from).length, { timeout: 15_000, interval: 50 }).toBe(2);
    const [zoomed] = jobsOf(from);
    expect(zoomed?.request).toMatchObject({ task: 'paint', prompt: 'a lighthouse' });
    expect(zoomed?.meta.origin).toBe(jobId);
  });

  it('another command typed in reply to a question runs as itself', async () => {
    const from = newUser();
    const { question } = await asked(from, 'remix', t('en', 'ask.remix.label'));
    const help = fake.injectText('/help', { from, replyTo: question });
    const answer = await fake.waitForCall((c) => c.method === 'sendMessage' && repliesTo(help)(c), 15_000);
    expect(textOf(answer)).toContain('/imagine');
    expect(jobsOf(from)).toHaveLength(1);
  });
});
