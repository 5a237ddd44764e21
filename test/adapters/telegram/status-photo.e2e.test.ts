// A status message a preview turned into a photo stays one across a restart: Telegram refuses editMessageText on a
// photo ("there is no text in the message to edit"), so the stored record says so once it happens, and a record
// written before that field existed still ends up editing the caption. A status message reopened after a restart
// is edited to the next state even when that equals the text it was first sent with (it showed others since).
// Real grammY against the fake Bot API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bot } from 'grammy';
import type { Message } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelegramJobMessages, type TelegramPlace } from '../../../adapters/telegram/job-messages.js';
import type { Reply } from '../../../commands/index.js';
import { t } from '../../../src/i18n.js';
import { type Job, JobStore } from '../../../src/jobs/index.js';
import { createLogger } from '../../../src/log.js';
import { photoSizes } from '../../doubles/fake-telegram/builders.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { solidPng } from '../e2e-services.js';

let fake: FakeTelegram;
let store: JobStore;
const running: TelegramJobMessages[] = [];

beforeEach(async () => {
  fake = await startFakeTelegram({ token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  store = new JobStore(mkdtempSync(join(tmpdir(), 'dimoo-telegram-status-photo-')));
});

afterEach(async () => {
  for (const messages of running.splice(0)) messages.stop();
  store.close();
  await fake.stop();
});

/** The adapter's job messages as a (re)started process has them. */
function start(): TelegramJobMessages {
  const api = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } }).api;
  const messages = new TelegramJobMessages(api, {
    deliveries: store.deliveries,
    log: createLogger({ level: 'silent', pretty: false }),
    editIntervalMs: { private: 10, group: 10 },
  });
  running.push(messages);
  return messages;
}

/** A running job of Alice's, submitted before any job messages were started (so a restart restores it). */
function aliceJob(): Job {
  const alice = fake.world.users.alice;
  const job: Job = {
    id: store.newId(),
    seq: store.nextSeq(),
    owner: { platform: 'telegram', userId: String(alice.id) },
    scope: `chat:${alice.id}`,
    kind: 'imagine',
    request: { task: 'text_to_image', prompt: 'a fox', width: 64, height: 64, steps: 3, seed: 5 },
    meta: { locale: 'en', telegramChatId: alice.id },
    priority: 'normal',
    status: 'running',
    attempts: 1,
    estimatedCost: 1000,
    createdAt: Date.now() - 5000,
    startedAt: Date.now() - 5000,
  };
  store.insert(job);
  return job;
}

/** A message of the bot's in Alice's chat. */
function botMessage(fields: Partial<Message>): Message {
  const chat = fake.state.chat(fake.world.users.alice.id) as Message['chat'];
  return fake.state.store(fake.state.compose(chat, { from: fake.world.bot, ...fields }));
}

function placeOf(status: Message, text: string): TelegramPlace {
  return {
    chatId: status.chat.id,
    messageId: status.message_id,
    replyTo: status.message_id,
    locale: 'en',
    group: false,
    previews: true,
    text,
  };
}

const progress = (jobId: string, key: string, images?: Reply['images']): Reply => ({
  text: [{ key, params: { step: 2, total: 3 } }],
  jobId,
  ...(images ? { images } : {}),
});
const STEP_2 = t('en', 'job.running', { step: 2, total: 3 });

const edits = (method: string, messageId: number) =>
  fake.callsTo((c) => c.method === method && Number(c.params.message_id) === messageId);

describe('Telegram status message that became a photo', { timeout: 30_000 }, () => {
  it('is remembered as a photo, so after a restart its text states edit the caption', async () => {
    const job = aliceJob();
    const status = botMessage({ text: 'Queued' });
    const first = start();
    first.open(
      job.id,
      progress(job.id, 'job.queued_unmeasured_zero'),
      status.chat.id,
      false,
      placeOf(status, 'Queued'),
    );
    const preview = {
      data: new Uint8Array(await solidPng('#a63')),
      filename: 'p.png',
      mime: 'image/png' as const,
    };
    await first.update(job, progress(job.id, 'job.running_now', [preview]));
    await fake.waitForCall((c) => c.method === 'editMessageMedia' && c.status === 200);
    await expect
      .poll(() => store.deliveries.placeOf(job.id), { timeout: 5000 })
      .toMatchObject({ messageId: status.message_id, photo: true });

    // A new process: it knows the message only from the stored record.
    first.stop();
    const restartedAt = fake.calls.length;
    await start().update(job, progress(job.id, 'job.running'));
    const caption = await fake.waitForCall((c) => c.method === 'editMessageCaption', 10_000);
    expect(caption.status).toBe(200);
    expect(fake.message(status.chat.id, status.message_id)?.caption).toBe(STEP_2);
    expect(fake.calls.slice(restartedAt).filter((c) => c.method === 'editMessageText')).toEqual([]);
  });

  it('from a record written before `photo` existed: the refused text edit goes again as a caption, and is remembered', async () => {
    const job = aliceJob();
    const status = botMessage({
      photo: photoSizes(fake.registerFile(await solidPng('#36a'))),
      caption: 'step 1',
    });
    // What an older version stored: no `photo` field.
    store.deliveries.remember(job.id, { ...placeOf(status, 'Queued') });
    await start().update(job, progress(job.id, 'job.running'));
    await expect
      .poll(() => fake.message(status.chat.id, status.message_id)?.caption, { timeout: 10_000 })
      .toBe(STEP_2);
    expect(edits('editMessageText', status.message_id).map((c) => c.error)).toEqual([
      'Bad Request: there is no text in the message to edit',
    ]);
    expect(store.deliveries.placeOf(job.id)).toMatchObject({ photo: true });
  });
});

describe('Telegram status message reopened after a restart', { timeout: 30_000 }, () => {
  const waiting = (jobId: string): Reply => ({
    text: [{ key: 'job.queued_unmeasured', params: { count: 0 } }],
    jobId,
  });
  const WAITING = t('en', 'job.queued_unmeasured', { count: 0 });
  const PAUSED = t('en', 'job.paused_restart');

  it('shows a state equal to the text it was first sent with: the message showed another since', async () => {
    const job = aliceJob();
    const status = botMessage({ text: WAITING });
    const first = start();
    const place = { ...placeOf(status, WAITING), previews: false };
    first.open(job.id, waiting(job.id), status.chat.id, false, place);
    await first.update(job, progress(job.id, 'job.running'));
    await first.update(job, { text: [{ key: 'job.paused_restart' }], jobId: job.id, urgent: true });
    await expect.poll(() => fake.message(status.chat.id, status.message_id)?.text).toBe(PAUSED);

    // The job waits again after the restart: queued, as when it was first sent.
    first.stop();
    await start().update(job, waiting(job.id));
    await expect
      .poll(() => fake.message(status.chat.id, status.message_id)?.text, { timeout: 5000 })
      .toBe(WAITING);
  });

  it('a state it already shows costs one refused edit at most, and the next one still goes', async () => {
    const job = aliceJob();
    const status = botMessage({ text: STEP_2 });
    store.deliveries.remember(job.id, { ...placeOf(status, 'Queued'), previews: false });
    const restarted = start();
    await restarted.update(job, progress(job.id, 'job.running'));
    await expect
      .poll(() => edits('editMessageText', status.message_id).map((c) => c.status), { timeout: 5000 })
      .toEqual([400]);
    await restarted.update(job, waiting(job.id));
    await expect
      .poll(() => fake.message(status.chat.id, status.message_id)?.text, { timeout: 5000 })
      .toBe(WAITING);
  });
});
