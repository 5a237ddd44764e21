// Replying to one of the bot's own results edits the lossless PNG the job stored, not the copy the platform shows
// (Discord: possibly a WebP/JPEG made to fit the upload cap; Telegram: a recompressed photo): nothing is
// downloaded, and the new job remembers the result it came from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Owner } from '../../src/jobs/index.js';
import type { Services } from '../../src/services.js';
import { type FakeDiscord, mention } from '../doubles/fake-discord/index.js';
import type { FakeTelegram } from '../doubles/fake-telegram/index.js';
import { TimedEngineDouble } from '../doubles/timed-engine.js';
import { type BothPlatforms, startBothPlatforms } from './both-platforms.js';

let discord: FakeDiscord;
let telegram: FakeTelegram;
let services: Services;
let platforms: BothPlatforms | undefined;

beforeAll(async () => {
  platforms = await startBothPlatforms('edit-by-reply', new TimedEngineDouble(1, 2), {
    discord: { editIntervalMs: 20 },
    telegram: { editIntervalMs: { private: 20, group: 40 } },
  });
  ({ discord, telegram, services } = platforms);
}, 60_000);

afterAll(async () => {
  await platforms?.stop();
});

/** The newest job of `owner` made from `origin`'s result. */
async function followUpOf(owner: Owner, origin: string): Promise<Job> {
  let found: Job | undefined;
  await expect
    .poll(
      () => {
        found = services.jobs.store.recentOf(owner, 5).find((j) => j.meta.origin === origin);
        return found !== undefined;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return found as Job;
}

/** The edit's input is byte for byte the stored result PNG of `origin`. */
function expectStoredInput(edit: Job, origin: string): void {
  const result = services.jobs.store.get(origin)?.result?.file as string;
  const stored = services.jobs.store.readFile(origin, result);
  expect(edit.request).toMatchObject({ task: 'image_to_image', prompt: 'add a hat' });
  const input = (edit.request as { image: { file: string } }).image.file;
  expect(services.jobs.store.readFile(edit.id, input).equals(stored)).toBe(true);
}

const jobIdIn = (text: string) => /reroll:([0-9a-f-]{36})/.exec(text)?.[1] as string;

describe('edit by reply to a result', { timeout: 30_000 }, () => {
  it('Telegram: replying to the result photo edits the stored PNG, without downloading the photo', async () => {
    telegram.injectText('/imagine a fox --steps 2');
    const photo = await telegram.waitForCall(
      (c) => c.method === 'sendPhoto' && JSON.stringify(c.params.reply_markup ?? '').includes('reroll:'),
      10_000,
    );
    const origin = jobIdIn(JSON.stringify(photo.params.reply_markup));
    const result = [...telegram.state.messages.values()].find(
      (m) => m.from?.id === telegram.world.bot.id && m.photo !== undefined,
    );
    const before = telegram.calls.length;
    telegram.injectText('add a hat', { replyTo: result });
    const alice = { platform: 'telegram' as const, userId: String(telegram.world.users.alice.id) };
    expectStoredInput(await followUpOf(alice, origin), origin);
    expect(telegram.calls.slice(before).some((c) => c.method === 'getFile')).toBe(false);
  });

  it('Telegram: a reply of .. and flags makes the /imagine again with the changes, not an edit', async () => {
    telegram.injectText('/imagine a heron --steps 2 --seed 5');
    // The earlier test's edit may still be finishing: its photo is not this one.
    const photo = await telegram.waitForCall(
      (c) =>
        c.method === 'sendPhoto' &&
        JSON.stringify(c.params.reply_markup ?? '').includes('reroll:') &&
        String(c.params.caption).includes('(seed 5)'),
      10_000,
    );
    const origin = jobIdIn(JSON.stringify(photo.params.reply_markup));
    const result = [...telegram.state.messages.values()].find(
      (m) =>
        m.from?.id === telegram.world.bot.id &&
        JSON.stringify(m.reply_markup ?? '').includes(`reroll:${origin}`),
    );
    expect(result).toBeDefined();
    telegram.injectText('.. --ar 16:9', { replyTo: result });
    const alice = { platform: 'telegram' as const, userId: String(telegram.world.users.alice.id) };
    const again = await followUpOf(alice, origin);
    expect(again.request).toMatchObject({ task: 'text_to_image', prompt: 'a heron', seed: 5, steps: 2 });
    expect(again.request).toMatchObject({ width: 688, height: 384 });
  });

  it('Discord: a mention replying to the result edits the stored PNG, without downloading the attachment', async () => {
    const ix = discord.dispatchInteraction(
      discord.build.slashCommand({ name: 'imagine', options: { prompt: 'a fox --steps 2' } }),
    );
    const final = await discord.waitForCall(
      (c) => c.params.token === ix.token && JSON.stringify(c.body ?? '').includes('reroll:'),
      10_000,
    );
    const origin = jobIdIn(JSON.stringify(final.body));
    const result = [...discord.store.messages.values()].find((m) =>
      JSON.stringify(m.components ?? []).includes(origin),
    );
    expect(result).toBeDefined();
    const downloads = () => discord.calls.filter((c) => c.route.startsWith('GET /attachments')).length;
    const before = downloads();
    discord.dispatchMessage(
      discord.build.userMessage({
        content: `${mention(discord.world.botUser)} add a hat`,
        mentions: [discord.world.botUser],
        replyTo: result,
      }),
    );
    const alice = { platform: 'discord' as const, userId: discord.world.users.alice.id };
    expectStoredInput(await followUpOf(alice, origin), origin);
    expect(downloads()).toBe(before);
  });
});
