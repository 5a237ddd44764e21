import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Services } from '../../../src/services.js';
import { type FakeTelegram, startFakeTelegram } from '../../doubles/fake-telegram/index.js';
import { openE2eServices, solidPng } from '../e2e-services.js';

let fake: FakeTelegram;
let services: Services;
let running: Awaited<ReturnType<typeof startTelegram>>;
/** Edits as the bot issued them, by its own clock (arrival stamps at the stand-in share the engine's loaded loop). */
const issuedEdits: Array<{ chatId: unknown; at: number }> = [];

beforeAll(async () => {
  fake = await startFakeTelegram({ maxLongPollMs: 300, token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz' });
  const opened = await openE2eServices('telegram', {
    TELEGRAM_TOKEN: fake.token,
    MAX_INPUT_MB: '1',
    RATE_LIMIT_PER_MINUTE: '0',
    QUEUE_MAX_PER_USER: '10',
  });
  const { config, log } = opened;
  services = opened.services;
  // These flows are about the text status and photo replies; previews have their own file.
  services.jobs.store.saveSettings(`telegram:${fake.world.users.alice.id}`, { previews: false });
  running = await startTelegram({ config, log }, services, buildCommands({ config, log }, services), {
    apiRoot: fake.apiRoot,
    editIntervalMs: { private: 100, group: 300 },
    albumQuietMs: 200,
  });
  running.bot.bot.api.config.use((prev, method, payload, signal) => {
    if (method === 'editMessageText')
      issuedEdits.push({ chatId: (payload as { chat_id?: unknown }).chat_id, at: Date.now() });
    return prev(method, payload, signal);
  });
  services.start();
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await services?.close();
  await fake?.stop();
});

const png = solidPng;
const textOf = (call: { params: Record<string, unknown> }) =>
  String(call.params.text ?? call.params.caption ?? '');
const markupOf = (call: { params: Record<string, unknown> }) =>
  JSON.stringify(call.params.reply_markup ?? '');
/** Cancels every waiting or running job (as its owner). */
const clearQueue = () => {
  for (const job of services.jobs.store.byStatus('queued', 'running'))
    services.jobs.queue.cancel(job.id, job.owner);
};

describe('Telegram adapter', { timeout: 90_000 }, () => {
  it('registers its command menu in English and Chinese', async () => {
    const calls = await fake.waitForCalls('setMyCommands', 2);
    expect(calls.map((c) => c.params.language_code ?? 'default')).toEqual(['default', 'zh']);
    expect(JSON.stringify(calls[0]?.params.commands)).toContain('imagine');
  });

  it('/imagine: queued reply, a progress edit, then a photo reply with the keyboard', async () => {
    const before = fake.calls.length;
    fake.injectText('/imagine a red fox --steps 6');
    const queued = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && /Queued/.test(textOf(c)),
      20_000,
    );
    await fake.waitForCall(
      (c) => c.method === 'editMessageText' && /step \d+ of \d+|Working/i.test(textOf(c)),
      30_000,
    );
    const photo = await fake.waitForCall((c) => c.method === 'sendPhoto', 60_000);
    expect(photo.files[0]?.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(markupOf(photo)).toMatch(/reroll:/);
    expect(textOf(photo).length).toBeLessThanOrEqual(1024);
    expect(
      fake.calls
        .slice(before)
        .some((c) => c.method === 'sendChatAction' && c.params.action === 'upload_photo'),
    ).toBe(true);
    expect(queued).toBeDefined();
    // Previews off: the status stays text, nothing is swapped for a photo.
    expect(fake.calls.slice(before).filter((c) => c.method === 'editMessageMedia')).toEqual([]);
    // Progress edits of one chat keep the private-chat gap (100 ms here) and never repeat the text.
    const edits = fake.calls
      .slice(before)
      .filter((c) => c.method === 'editMessageText' && c.params.chat_id === fake.world.users.alice.id);
    expect(edits.length).toBeGreaterThan(0);
    for (let i = 1; i < edits.length; i++) {
      expect(textOf(edits[i] as (typeof edits)[number])).not.toBe(
        textOf(edits[i - 1] as (typeof edits)[number]),
      );
    }
    const times = issuedEdits.filter((e) => e.chatId === fake.world.users.alice.id).map((e) => e.at);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(90); // 100 ms, less a few ms of work
    }
  });

  it('a reply to a photo edits it, a question describes it, and Re-roll keeps the prompt with a new seed', async () => {
    const photo = fake.injectPhoto(fake.registerFile(await png('#3a6')), { caption: 'my picture' });
    // Each answer is known by the message it answers: the first test's Queued reply matched "a Queued reply" too.
    const repliesTo = (asked: { message_id: number }) => (c: (typeof fake.calls)[number]) =>
      c.method === 'sendMessage' &&
      /Queued/.test(textOf(c)) &&
      (c.params.reply_parameters as { message_id?: number } | undefined)?.message_id === asked.message_id;
    const edit = await fake.waitForCall(
      repliesTo(fake.injectText('add a small red hat', { replyTo: photo })),
      20_000,
    );
    const alice = { platform: 'telegram' as const, userId: String(fake.world.users.alice.id) };
    const jobOf = (call: typeof edit) =>
      services.jobs.queue.get(/cancel:([0-9a-f-]{36})/.exec(markupOf(call))?.[1] ?? '');
    expect(jobOf(edit)?.request).toMatchObject({ task: 'image_to_image', prompt: 'add a small red hat' });
    // From here on the edit runs on the real engine, whose ONNX steps (onnxruntime-node's run) hold this process's
    // event loop: each round trip below (getUpdates, getFile, the download, the decode, the reply) waits its turn
    // between steps, work behind the engine, waited for as long as the file waits for its photos. Each wait is
    // already pinned to its own event: the reply to this very message, the answer to this press, a job not known.
    const question = fake.injectText('what is in this picture?', { replyTo: photo });
    expect(jobOf(await fake.waitForCall(repliesTo(question), 60_000))?.request).toMatchObject({
      task: 'understand',
    });

    // Re-roll on the first test's result, named by its job: "the latest photo with Re-roll" was that one or the
    // edit's (minutes on a loaded CPU), whichever had come, and the newest job the describe until the re-roll's came.
    const oldJob = services.jobs.store
      .recentOf(alice, 100)
      .find((job) => (job.request as { prompt?: string }).prompt === 'a red fox');
    expect(oldJob).toBeDefined();
    const known = new Set(services.jobs.store.recentOf(alice, 100).map((job) => job.id));
    const anchor = fake.injectText('anchor for the button');
    const press = fake.injectCallbackQuery(anchor, `reroll:${oldJob?.id}`);
    await fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === press.id,
      20_000,
    );
    const rerolled = () => services.jobs.store.recentOf(alice, 100).find((job) => !known.has(job.id));
    await expect.poll(() => rerolled()?.id, { timeout: 20_000 }).toBeDefined();
    const newest = rerolled()?.request as { prompt?: string; seed?: number };
    const original = oldJob?.request as { prompt?: string; seed?: number };
    expect(newest.prompt).toBe(original.prompt);
    expect(newest.seed).not.toBe(original.seed);
    // Its own limit: its waits (20 + 60 + 20 + 20 s) would not fit in the describe's 90 s.
  }, 130_000);

  it('a prompt with options in braces: a status message per job, each ending as its own photo naming its line', async () => {
    // The earlier test's describe (seconds on a CPU) would otherwise run first.
    clearQueue();
    fake.injectText('/imagine a {pink, grey} heron --steps 2 --size 256x256');
    const statuses = await fake.waitForCalls(
      (c) => c.method === 'sendMessage' && /of 2: “a (pink|grey) heron --steps 2/.test(textOf(c)),
      2,
      20_000,
    );
    const lines = [
      '1 of 2: “a pink heron --steps 2 --size 256x256”',
      '2 of 2: “a grey heron --steps 2 --size 256x256”',
    ];
    expect(statuses.map((c) => textOf(c).split('\n')[0])).toEqual(lines);
    for (const line of lines) {
      const photo = await fake.waitForCall(
        (c) => c.method === 'sendPhoto' && textOf(c).startsWith(line),
        60_000,
      );
      expect(markupOf(photo)).toMatch(/reroll:/);
    }
  });

  it('a permutation whose first status message Telegram refuses still shows the others, each to its end', async () => {
    clearQueue();
    fake.failMethod((c) => c.method === 'sendMessage' && /1 of 2: “a (teal|plum) vase/.test(textOf(c)), {
      times: 1,
      errorCode: 400,
      description: 'Bad Request: injected',
    });
    fake.injectText('/imagine a {teal, plum} vase --steps 2 --size 256x256');
    const second = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && textOf(c).startsWith('2 of 2: “a plum vase'),
      60_000,
    );
    expect(markupOf(second)).toMatch(/reroll:/);
  });

  it('--n 2 sends one grid photo with a button per image; a number sends that image alone, with every button', async () => {
    fake.injectText('/imagine a red fox --steps 4 --size 256x256 --n 2 --seed 21');
    const grid = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && markupOf(c).includes('pick_2:'),
      60_000,
    );
    // One photo for both images (earlier tests' photos may still arrive: this one is known by its seeds).
    expect(textOf(grid)).toContain('seeds 21–22');
    const keyboard = (
      grid.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }
    ).inline_keyboard;
    expect(keyboard[0]?.map((b) => b.text)).toEqual(['1', '2']);
    const size = await sharp(grid.files[0]?.bytes).metadata();
    expect([size.width, size.height]).toEqual([256 + 8 + 256, 256]);
    const pick = keyboard[0]?.[1]?.callback_data as string;
    fake.injectCallbackQuery(fake.injectText('anchor for the pick'), pick);
    const alone = await fake.waitForCall(
      (c) => c.method === 'sendPhoto' && /Image 2 of the grid \(seed 22\)/.test(textOf(c)),
      20_000,
    );
    expect(markupOf(alone)).toMatch(/reroll:/);
    expect(markupOf(alone)).not.toMatch(/pick_1:/);
    expect((await sharp(alone.files[0]?.bytes).metadata()).width).toBe(256);
  });

  it('lets the owner cancel and refuses another user', async () => {
    // Two long jobs: the second waits behind the first, so it is still there to cancel.
    const from = fake.calls.length;
    const asked = [
      fake.injectText('/imagine a very slow one --steps 120'),
      fake.injectText('/imagine another slow one --steps 120'),
    ].map((m) => m.message_id);
    // Only the statuses answering these two commands (the previous test's re-roll may still be reporting).
    const answersOne = (c: { params: Record<string, unknown> }) =>
      asked.includes((c.params.reply_parameters as { message_id?: number } | undefined)?.message_id ?? -1);
    const statuses = () =>
      fake.calls
        .slice(from)
        .filter(
          (c) =>
            c.method === 'sendMessage' &&
            /Queued/.test(textOf(c)) &&
            /cancel:/.test(markupOf(c)) &&
            answersOne(c),
        );
    await expect.poll(() => statuses().length, { timeout: 20_000 }).toBe(2);
    const [first, status] = statuses() as unknown as [
      { params: Record<string, unknown> },
      { params: Record<string, unknown> },
    ];
    const firstId = /cancel:([0-9a-f-]{36})/.exec(markupOf(first))?.[1] as string;
    const cancelId = /cancel:[0-9a-f-]{36}/.exec(markupOf(status))?.[0] as string;
    const anchor = fake.injectText('anchor for the cancel button');
    const refused = fake.injectCallbackQuery(anchor, cancelId, fake.world.users.bob);
    // Bob's Telegram is set to Chinese: the refusal comes in his language, as an alert for him alone.
    const alert = await fake.waitForCall(
      (c) => c.method === 'answerCallbackQuery' && c.params.callback_query_id === refused.id,
      20_000,
    );
    expect(textOf(alert)).toMatch(/只有发起任务的人/);
    expect(alert.params.show_alert).toBe(true);
    expect(services.jobs.queue.get(cancelId.split(':')[1] as string)?.status).not.toBe('cancelled');
    fake.injectCallbackQuery(anchor, cancelId, fake.world.users.alice);
    await expect
      .poll(() => services.jobs.queue.get(cancelId.split(':')[1] as string)?.status, { timeout: 20_000 })
      .toBe('cancelled');
    // The running one is cancelled too (through its abort signal), so later tests do not wait behind it.
    expect(
      services.jobs.queue.cancel(firstId, {
        platform: 'telegram',
        userId: String(fake.world.users.alice.id),
      }),
    ).toMatch(/cancel/);
    await expect.poll(() => services.jobs.queue.get(firstId)?.status, { timeout: 20_000 }).toBe('cancelled');
  });

  it('answers corrupt and oversized images with localized errors and keeps serving', async () => {
    fake.injectPhoto(fake.registerFile(Buffer.from('this is not an image')), { caption: '/describe' });
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && /not supported|could not be read/.test(textOf(c)),
      20_000,
    );
    fake.injectPhoto(fake.registerFile(Buffer.alloc(2 * 1024 * 1024, 7)), { caption: '/describe' });
    await fake.waitForCall((c) => c.method === 'sendMessage' && /too large/i.test(textOf(c)), 20_000);
    fake.injectText('/help');
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && /imagine/.test(textOf(c)) && !/Queued/.test(textOf(c)),
      20_000,
    );
  });

  it('waits out a 429 with retry_after instead of dropping the reply', async () => {
    fake.rateLimit('sendMessage', { times: 1, retryAfter: 1 });
    const started = Date.now();
    fake.injectText('/help');
    const limited = await fake.waitForCall((c) => c.method === 'sendMessage' && c.status === 429, 10_000);
    const delivered = await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' && c.status === 200 && fake.calls.indexOf(c) > fake.calls.indexOf(limited),
      10_000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(textOf(delivered)).toMatch(/imagine/);
  });

  it('a photo Telegram refuses goes as a document, "Original file" sends the PNG; Edit, Remix, Custom zoom and Vary (Region) ask by ForceReply', async () => {
    clearQueue(); // earlier tests' jobs: this one should not wait behind them
    fake.failMethod('sendPhoto', {
      times: 1,
      errorCode: 400,
      description: 'Bad Request: PHOTO_INVALID_DIMENSIONS',
    });
    const from = fake.calls.length;
    fake.injectText('/imagine a tall tower --steps 4');
    const fallback = await fake.waitForCall(
      (c) => c.method === 'sendDocument' && fake.calls.indexOf(c) > from && markupOf(c).includes('reroll:'),
      60_000,
    );
    expect(fake.calls.slice(from).some((c) => c.method === 'sendPhoto' && c.status === 400)).toBe(true);
    expect(textOf(fallback)).toMatch(/seed/);
    expect(fallback.params.disable_content_type_detection).toBe(true);

    const jobId = /reroll:([0-9a-f-]{36})/.exec(markupOf(fallback))?.[1] as string;
    expect(jobId).toBeDefined();
    // A result shows its main rows and More ▾; More gives that message every row (Original file among them) and
    // Less ▴, which folds it again. Nothing new is sent.
    expect(markupOf(fallback)).toMatch(/more:/);
    expect(markupOf(fallback)).not.toMatch(/original:/);
    const resultMessage = fake.message(
      fallback.params.chat_id as number,
      (fallback.result as { message_id: number }).message_id,
    ) as NonNullable<ReturnType<typeof fake.message>>;
    const sentBefore = fake.calls.filter((c) => c.method.startsWith('send')).length;
    fake.injectCallbackQuery(resultMessage, `more:${jobId}`, fake.world.users.bob);
    const opened = await fake.waitForCall(
      (c) => c.method === 'editMessageReplyMarkup' && markupOf(c).includes('original:'),
      20_000,
    );
    expect(markupOf(opened)).toMatch(/less:/);
    fake.injectCallbackQuery(resultMessage, `less:${jobId}`);
    const folded = await fake.waitForCall(
      (c) => c.method === 'editMessageReplyMarkup' && fake.calls.indexOf(c) > fake.calls.indexOf(opened),
      20_000,
    );
    expect(markupOf(folded)).toMatch(/more:/);
    expect(markupOf(folded)).not.toMatch(/original:/);
    expect(fake.calls.filter((c) => c.method.startsWith('send')).length).toBe(sentBefore);
    // Pressed twice, the second edit is "not modified": nothing to say. An edit Telegram refuses gets the one
    // generic message, and the bot goes on.
    const quietFrom = fake.calls.length;
    fake.injectCallbackQuery(resultMessage, `less:${jobId}`);
    await fake.waitForCall(
      (c) => c.method === 'editMessageReplyMarkup' && fake.calls.indexOf(c) > fake.calls.indexOf(folded),
      20_000,
    );
    fake.failMethod('editMessageReplyMarkup', {
      times: 1,
      errorCode: 400,
      description: "Bad Request: message can't be edited",
    });
    const refusedFrom = fake.calls.length;
    fake.injectCallbackQuery(resultMessage, `more:${jobId}`);
    const sorry = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && fake.calls.indexOf(c) >= refusedFrom,
      20_000,
    );
    expect(textOf(sorry)).toBe('Something went wrong. Please try again.');
    // A chat's updates are handled in order: the "not modified" press was done before, and said nothing.
    expect(fake.calls.slice(quietFrom).filter((c) => c.method === 'sendMessage')).toEqual([sorry]);
    const job = services.jobs.queue.get(jobId);
    const stored = services.jobs.store.readFile(jobId, job?.result?.file as string);
    const anchor = fake.injectText('anchor for the original button');
    const before = fake.calls.length;
    // Anyone in the chat may fetch it.
    fake.injectCallbackQuery(anchor, `original:${jobId}`, fake.world.users.bob);
    const doc = await fake.waitForCall(
      (c) => c.method === 'sendDocument' && fake.calls.indexOf(c) >= before,
      20_000,
    );
    expect(doc.files[0]?.bytes.equals(stored)).toBe(true);
    expect(doc.files[0]?.filename).toMatch(/\.png$/);

    // Edit asks with a ForceReply; the answer to that question edits this result.
    fake.injectCallbackQuery(anchor, `edit:${jobId}`);
    const ask = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && textOf(c) === 'What should change?',
      20_000,
    );
    expect(ask.params.reply_markup).toMatchObject({ force_reply: true });
    const question = [...fake.state.messages.values()].find(
      (m) => m.from?.id === fake.world.bot.id && m.text === 'What should change?',
    );
    const alice = { platform: 'telegram' as const, userId: String(fake.world.users.alice.id) };
    const last = services.jobs.store.recentOf(alice, 1)[0]?.id;
    fake.injectText('make it night --steps 2', { replyTo: question });
    await expect
      .poll(() => services.jobs.store.recentOf(alice, 1)[0]?.id, { timeout: 20_000 })
      .not.toBe(last);
    const edit = services.jobs.store.recentOf(alice, 1)[0] as NonNullable<
      ReturnType<typeof services.jobs.queue.get>
    >;
    expect(edit.request).toMatchObject({ task: 'image_to_image', prompt: 'make it night' });
    const input = (edit.request as { image: { file: string } }).image.file;
    expect(services.jobs.store.readFile(edit.id, input).equals(stored)).toBe(true);

    // Remix shows the /imagine line under its question; the answer, changed, is the new /imagine.
    fake.injectCallbackQuery(anchor, `remix:${jobId}`);
    const remix = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && textOf(c).startsWith('Change the prompt or its flags'),
      20_000,
    );
    expect(textOf(remix)).toMatch(/\n\na tall tower --size \d+x\d+ --seed \d+ --steps 4$/);
    expect(remix.params.reply_markup).toMatchObject({ force_reply: true });
    // The line is code (a tap copies it): its entity covers exactly the line, counted in UTF-16 units.
    const [entity] = remix.params.entities as Array<{ type: string; offset: number; length: number }>;
    expect(entity?.type).toBe('code');
    expect(textOf(remix).slice(entity?.offset, (entity?.offset ?? 0) + (entity?.length ?? 0))).toMatch(
      /^a tall tower --size \d+x\d+ --seed \d+ --steps 4$/,
    );
    const remixQuestion = [...fake.state.messages.values()].find(
      (m) => m.from?.id === fake.world.bot.id && m.text?.startsWith('Change the prompt or its flags'),
    );
    fake.injectText('a short tower --steps 2', { replyTo: remixQuestion });
    await expect
      .poll(() => services.jobs.store.recentOf(alice, 1)[0]?.id, { timeout: 20_000 })
      .not.toBe(edit.id);
    expect(services.jobs.store.recentOf(alice, 1)[0]?.request).toMatchObject({
      task: 'text_to_image',
      prompt: 'a short tower',
      steps: 2,
    });
    const remixed = services.jobs.store.recentOf(alice, 1)[0]?.id;

    // Custom zoom asks the same way, with the prompt and --zoom 2; the answer zooms out around this result.
    fake.injectCallbackQuery(anchor, `zoomcustom:${jobId}`);
    const zoomAsk = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && textOf(c).startsWith('The prompt, and --zoom'),
      20_000,
    );
    expect(textOf(zoomAsk)).toMatch(/\n\na tall tower --steps 4 --zoom 2$/);
    const zoomQuestion = [...fake.state.messages.values()].find(
      (m) => m.from?.id === fake.world.bot.id && m.text?.startsWith('The prompt, and --zoom'),
    );
    fake.injectText('a tall tower at night --zoom 1.5', { replyTo: zoomQuestion });
    await expect
      .poll(() => services.jobs.store.recentOf(alice, 1)[0]?.id, { timeout: 20_000 })
      .not.toBe(remixed);
    const zoomed = services.jobs.store.recentOf(alice, 1)[0];
    expect(zoomed?.request).toMatchObject({
      task: 'paint',
      prompt: 'a tall tower at night',
      region: { kind: 'extend', left: 0.25, top: 0.25, right: 0.25, bottom: 0.25 },
    });
    expect(zoomed?.meta.origin).toBe(jobId);

    // Vary (Region) asks with the prompt and --box center; the answer retouches that part of this result.
    fake.injectCallbackQuery(anchor, `vary_region:${jobId}`);
    const regionAsk = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && textOf(c).startsWith('Prompt and --box'),
      20_000,
    );
    expect(textOf(regionAsk)).toMatch(/\n\na tall tower --steps 4 --box center$/);
    const regionQuestion = [...fake.state.messages.values()].find(
      (m) => m.from?.id === fake.world.bot.id && m.text?.startsWith('Prompt and --box'),
    );
    fake.injectText('a flag on the roof --box top', { replyTo: regionQuestion });
    await expect
      .poll(() => services.jobs.store.recentOf(alice, 1)[0]?.id, { timeout: 20_000 })
      .not.toBe(zoomed?.id);
    const retouched = services.jobs.store.recentOf(alice, 1)[0];
    expect(retouched?.request).toMatchObject({
      task: 'paint',
      prompt: 'a flag on the roof',
      region: { kind: 'boxes', boxes: [{ x: 0, y: 0, w: 1, h: 0.5 }] },
    });
    expect(retouched?.meta.origin).toBe(jobId);
    clearQueue();
  });

  it('a second photo is the mask for /retouch: as an album, as a reply captioned /retouch, or a reply to one’s own /retouch photo', async () => {
    const alice = { platform: 'telegram' as const, userId: String(fake.world.users.alice.id) };
    const image = await png('#3a6');
    const mask = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    const newestJob = async (after: string | undefined) => {
      await expect
        .poll(() => services.jobs.store.recentOf(alice, 1)[0]?.id, { timeout: 20_000 })
        .not.toBe(after);
      const job = services.jobs.store.recentOf(alice, 1)[0] as NonNullable<
        ReturnType<typeof services.jobs.queue.get>
      >;
      // Its "queued" answer, then it is cancelled: the inputs are what this test is about, not the painting.
      await fake.waitForCall(
        (c) => c.method === 'sendMessage' && markupOf(c).includes(`cancel:${job.id}`),
        20_000,
      );
      services.jobs.queue.cancel(job.id, alice);
      return job;
    };
    const expectMaskJob = (job: NonNullable<ReturnType<typeof services.jobs.queue.get>>) => {
      expect(job.request).toMatchObject({ task: 'paint', prompt: 'a hat', region: { kind: 'mask' } });
      const request = job.request as { image: { file: string }; region: { mask: { file: string } } };
      expect(services.jobs.store.readFile(job.id, request.image.file).equals(image)).toBe(true);
      expect(services.jobs.store.readFile(job.id, request.region.mask.file).equals(mask)).toBe(true);
    };

    // 1. An album: the caption on the first photo, the mask second.
    let last = services.jobs.store.recentOf(alice, 1)[0]?.id;
    fake.injectPhoto(fake.registerFile(image), {
      caption: '/retouch a hat --steps 2',
      mediaGroupId: 'album-1',
    });
    fake.injectPhoto(fake.registerFile(mask), { mediaGroupId: 'album-1' });
    let job = await newestJob(last);
    expectMaskJob(job);

    // 2. A reply to the image, with the mask captioned /retouch (works in groups too).
    last = job.id;
    const photo = fake.injectPhoto(fake.registerFile(image), { chat: 'group', from: fake.world.users.bob });
    fake.injectPhoto(fake.registerFile(mask), {
      chat: 'group',
      caption: '/retouch a hat --steps 2',
      replyTo: photo,
    });
    job = await newestJob(last);
    expectMaskJob(job);

    // 3. Private chat: /retouch without a region asks for one; the mask as a reply to that photo completes it.
    last = job.id;
    const before = fake.calls.length;
    const own = fake.injectPhoto(fake.registerFile(image), { caption: '/retouch a hat --steps 2' });
    await fake.waitForCall(
      (c) =>
        c.method === 'sendMessage' &&
        fake.calls.indexOf(c) >= before &&
        textOf(c) ===
          'Say which part to redraw: a region (--box center, top-left…), boxes (x,y,w,h) or a mask image (see /help).',
      20_000,
    );
    fake.injectPhoto(fake.registerFile(mask), { replyTo: own });
    job = await newestJob(last);
    expectMaskJob(job);
  });

  it('in a group, a plain reply to someone’s photo is not for the bot; a mention is', async () => {
    const photo = fake.injectPhoto(fake.registerFile(await png('#a36')), {
      chat: 'group',
      from: fake.world.users.bob,
    });
    const before = fake.calls.length;
    fake.injectText('make it blue', { chat: 'group', replyTo: photo });
    // A command after it as a marker: once it is answered, the plain reply has been seen and ignored. It replies
    // to the photo too, which /queue has no use for: nothing is downloaded.
    fake.injectText('/queue', { chat: 'group', replyTo: photo });
    await fake.waitForCall(
      (c) => c.method === 'sendMessage' && fake.calls.indexOf(c) >= before && /^Queue:/.test(textOf(c)),
      20_000,
    );
    const sent = () =>
      fake.calls
        .slice(before)
        .filter((c) => c.method === 'sendMessage' && c.params.chat_id === fake.world.group.id);
    expect(sent().map(textOf)).toEqual([expect.stringMatching(/^Queue:/)]);
    expect(fake.calls.slice(before).some((c) => c.method === 'getFile')).toBe(false);

    fake.injectText(`@${fake.world.bot.username} make it blue --steps 2`, { chat: 'group', replyTo: photo });
    const queued = await fake.waitForCall(
      (c) => c.method === 'sendMessage' && fake.calls.indexOf(c) >= before && /Queued/.test(textOf(c)),
      20_000,
    );
    expect(queued.params.chat_id).toBe(fake.world.group.id);
    clearQueue();
  });
});
