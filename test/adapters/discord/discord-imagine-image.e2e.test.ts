// An image given with /imagine on Discord is used: through the slash command's image option, or attached to a
// mention that says `imagine …`. The scene is drawn with the image as its subject, and the answer says so.
import { beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../../src/i18n.js';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { CHANNEL_POST, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-imagine-image', {});
let fake: FakeDiscord;
let services: Services;
beforeAll(() => ({ fake, services } = world));

const image = async () => fake.registerAttachment({ filename: 'fox.png', bytes: await solidPng('#c63') });
const line = () => t('en', 'job.image_as_subject');

describe('Discord: /imagine with an image', { timeout: 60_000 }, () => {
  it('the slash command’s image option draws the scene with the image as its subject', async () => {
    const ix = fake.dispatchInteraction(
      fake.build.slashCommand({ name: 'imagine', options: { prompt: 'a red fox', image: await image() } }),
    );
    const jobId = await world.queuedJob(ix);
    const answer = await fake.waitForCall((c) => fake.answerOf(ix)(c) && jobIdIn(c.body) === jobId);
    expect(JSON.stringify(answer.body)).toContain(JSON.stringify(line()).slice(1, -1));
    expect(services.jobs.store.get(jobId)?.request).toMatchObject({
      task: 'image_to_image',
      editType: 'subject_driven',
      prompt: 'a red fox',
    });
    await world.ended(jobId);
  });

  it('a mention saying `imagine …` with an attachment is that /imagine, not an edit told to "imagine"', async () => {
    const message = fake.dispatchMessage(
      fake.build.userMessage({
        content: `${mention(fake.world.botUser)} imagine a red fox`,
        mentions: [fake.world.botUser],
        attachments: [await image()],
      }),
    );
    const reply = await fake.waitForCall(
      (c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(message.id) && !!jobIdIn(c.body),
      10_000,
    );
    expect(JSON.stringify(reply.body)).toContain(JSON.stringify(line()).slice(1, -1));
    const jobId = jobIdIn(reply.body) as string;
    expect(services.jobs.store.get(jobId)?.request).toMatchObject({
      editType: 'subject_driven',
      prompt: 'a red fox',
    });
    await world.ended(jobId);
  });
});
