// A command typed in a mention (`@bot /imagine a fox`) runs that command, not a prompt that says "/imagine". Its
// images: /imagine takes only those attached to the mention (a reply to a picture, or to one of our results, draws
// anew), /edit still the picture the mention replies to.
import type { APIAttachment, APIMessage } from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../../src/services.js';
import { type FakeDiscord, mention } from '../../doubles/fake-discord/index.js';
import { solidPng } from '../e2e-services.js';
import { CHANNEL_POST, jobIdIn, useDiscordOnDouble } from './double-bot.js';

const world = useDiscordOnDouble('discord-mention-command', {});
let fake: FakeDiscord;
let services: Services;
beforeAll(() => ({ fake, services } = world));

const image = async () => fake.registerAttachment({ filename: 'fox.png', bytes: await solidPng('#c63') });

/** Alice mentions the bot with `text`, and the job its answer names. */
async function mentionJob(text: string, extra: { replyTo?: APIMessage; attachments?: APIAttachment[] } = {}) {
  const message = fake.dispatchMessage(
    fake.build.userMessage({
      content: `${mention(fake.world.botUser)} ${text}`,
      mentions: [fake.world.botUser],
      ...extra,
    }),
  );
  const reply = await fake.waitForCall(
    (c) => c.route === CHANNEL_POST && JSON.stringify(c.body).includes(message.id) && !!jobIdIn(c.body),
    10_000,
  );
  return jobIdIn(reply.body) as string;
}

const requestOf = (jobId: string) => services.jobs.store.get(jobId)?.request;

describe('Discord: a command typed in a mention', { timeout: 60_000 }, () => {
  it('`@bot /imagine a fox` draws a fox from the prompt alone', async () => {
    const jobId = await mentionJob('/imagine a red fox --steps 4');
    expect(requestOf(jobId)).toMatchObject({ task: 'text_to_image', prompt: 'a red fox', steps: 4 });
    await world.ended(jobId);
  });

  it('`@bot imagine a fox`, said without the slash, draws a fox, not "imagine a fox"', async () => {
    const jobId = await mentionJob('imagine a red fox --steps 4');
    expect(requestOf(jobId)).toMatchObject({ task: 'text_to_image', prompt: 'a red fox', steps: 4 });
    await world.ended(jobId);
  });

  it('with an image attached, the typed /imagine draws the scene with it as its subject', async () => {
    const jobId = await mentionJob('/imagine a red fox', { attachments: [await image()] });
    expect(requestOf(jobId)).toMatchObject({ editType: 'subject_driven', prompt: 'a red fox' });
    await world.ended(jobId);
  });

  it('as a reply to a picture, /imagine draws anew while /edit edits the picture', async () => {
    // Posted, not dispatched: a picture the bot can read (it names the bot) without answering it itself.
    const target = fake.build.userMessage({
      content: `${mention(fake.world.botUser)} look`,
      mentions: [fake.world.botUser],
      attachments: [await image()],
    }) as unknown as APIMessage;
    fake.store.messages.set(target.id, target);
    const fresh = await mentionJob('/imagine a blue bird', { replyTo: target });
    expect(requestOf(fresh)).toMatchObject({ task: 'text_to_image', prompt: 'a blue bird' });
    await world.ended(fresh);
    const edit = await mentionJob('/edit make it night', { replyTo: target });
    expect(requestOf(edit)).toMatchObject({ task: 'image_to_image', prompt: 'make it night' });
    await world.ended(edit);
  });

  it('as a reply to one of our results, /imagine is a new picture, not an edit of the result', async () => {
    const first = await mentionJob('a red fox --steps 4');
    await world.ended(first);
    const result = [...fake.store.messages.values()].find(
      (m) => m.author.id === fake.world.botUser.id && JSON.stringify(m.components ?? []).includes(first),
    ) as APIMessage;
    expect(result).toBeDefined();
    const fresh = await mentionJob('/imagine a blue bird', { replyTo: result });
    expect(requestOf(fresh)).toMatchObject({ task: 'text_to_image', prompt: 'a blue bird' });
    expect(services.jobs.store.get(fresh)?.meta.origin).toBeUndefined();
    await world.ended(fresh);
  });
});
