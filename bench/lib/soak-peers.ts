// The other side of bench/memory-soak.ts, in a child process of its own: the in-repo Discord and Telegram fakes
// (test/doubles) and the users who talk to the bot through them and through the playground's HTTP API. The fakes
// keep every call they receive, so they live here, where their memory is not the measured process's.
// Protocol (process.send): child → 'peers' (where the fakes listen); parent → 'go' (the playground's URL, the
// plan); child → 'round' after each round's actions are sent and answered; parent → 'next' once it has waited for
// the queue to empty and sampled; child → 'finished' (what was sent, by kind).

import sharp from 'sharp';
import { mulberry32 } from '../../engine/testing/mulberry32.js';
import { makeUser } from '../../test/doubles/fake-discord/builders.js';
import { type FakeDiscord, startFakeDiscord } from '../../test/doubles/fake-discord/index.js';
import { type FakeTelegram, startFakeTelegram } from '../../test/doubles/fake-telegram/index.js';

export interface SoakPlan {
  webUrl: string;
  jobs: number;
  /** Actions per round: the parent samples after each. */
  round: number;
  /** Users active at once per platform; the window slides, so new users keep arriving as old ones leave. */
  activeUsers: number;
  seed: number;
}

export type ToChild = { type: 'go'; plan: SoakPlan } | { type: 'next' } | { type: 'stop' };
export type FromChild =
  | {
      type: 'peers';
      discord: { token: string; rest: { api: string; cdn: string }; cdnHosts: string[] };
      telegram: { token: string; apiRoot: string };
    }
  | { type: 'round'; sent: number }
  | { type: 'finished'; kinds: Record<string, number>; errors: string[] };

const JOB_IN = /(?:cancel|reroll|delete):([0-9a-f-]{36})/;
const RESULT_OF = /reroll:([0-9a-f-]{36})/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const IMAGINE = { size: 256, steps: 1 } as const;
const FLAGS = `--size ${IMAGINE.size} --steps ${IMAGINE.steps}`;

type Platform = 'discord' | 'telegram' | 'web';
type Kind = 'imagine' | 'cancel' | 'refused' | 'describe' | 'reroll' | 'delete';

/** Where a finished job's result can be pressed: its platform's message and the user who owns it. */
interface Result {
  platform: Platform;
  user: number;
  discordMessage?: string;
  telegram?: { chat: number; message: number };
}

function send(message: FromChild): void {
  process.send?.(message);
}

function nextMessage(): Promise<ToChild> {
  return new Promise((resolve) => process.once('message', (m) => resolve(m as ToChild)));
}

function pickKind(r: number): Kind {
  if (r < 0.5) return 'imagine';
  if (r < 0.6) return 'cancel';
  if (r < 0.77) return 'refused';
  // A describe runs the engine's 128-step answer (seconds even on the tiny checkpoint): a few keep the path covered.
  if (r < 0.78) return 'describe';
  if (r < 0.9) return 'reroll';
  return 'delete';
}

/** One of the ways users send what the bot must refuse: each answered by one localized message. */
function refusedLine(r: number): string {
  if (r < 0.25) return `/imagine ${'x'.repeat(1001)}`;
  if (r < 0.5) return '/imagine a cat --steps 999';
  if (r < 0.75) return '/imagine';
  return '/imagine a cat --size 300';
}

async function main(): Promise<void> {
  const discord: FakeDiscord = await startFakeDiscord();
  const telegram: FakeTelegram = await startFakeTelegram({
    maxLongPollMs: 200,
    token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz',
  });
  send({
    type: 'peers',
    discord: { token: discord.token, rest: discord.clientOptions().rest, cdnHosts: [...discord.cdnHosts] },
    telegram: { token: telegram.token, apiRoot: telegram.apiRoot },
  });
  const go = await nextMessage();
  if (go.type !== 'go') return;
  const { plan } = go;
  const rand = mulberry32(plan.seed);
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
  const kinds: Record<string, number> = {};
  const errors: string[] = [];
  const results = new Map<string, Result>();
  const webStreams = new Map<number, AbortController>();
  const webCookie = (user: number) => `dimoo_uid=00000000-0000-4000-8000-${String(user).padStart(12, '0')}`;
  const webHeaders = (user: number, json = false) => ({
    cookie: webCookie(user),
    origin: new URL(plan.webUrl).origin,
    ...(json ? { 'content-type': 'application/json' } : {}),
  });
  const discordUser = (user: number) => makeUser(String(950000000000000000n + BigInt(user)), `mem${user}`);
  const telegramUser = (user: number) => ({
    id: 80_000 + user,
    is_bot: false as const,
    first_name: `Mem${user}`,
    language_code: user % 3 === 0 ? 'de' : 'en',
  });

  /** A web user's page keeps an event stream open while the user is around; results arrive on it. */
  function openWebStream(user: number): void {
    if (webStreams.has(user)) return;
    const abort = new AbortController();
    webStreams.set(user, abort);
    void (async () => {
      const res = await fetch(new URL('/api/events', plan.webUrl), {
        headers: webHeaders(user),
        signal: abort.signal,
      });
      const decoder = new TextDecoder();
      for await (const chunk of res.body ?? []) {
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        for (const match of text.matchAll(/reroll:([0-9a-f-]{36})/g))
          results.set(match[1] as string, { platform: 'web', user });
      }
    })().catch(() => undefined);
  }

  /** Indexes the finished results the bot posted on the fakes since the last round, then forgets the calls. */
  function indexResults(): void {
    // A Discord result is the command's own reply, edited from its status into the picture.
    for (const id of discordReplies.splice(0)) {
      const messageId = discord.interaction(id)?.originalMessageId;
      const message = messageId ? discord.message(messageId) : undefined;
      const jobId = RESULT_OF.exec(JSON.stringify(message?.components ?? ''))?.[1];
      if (jobId && messageId)
        results.set(jobId, { platform: 'discord', user: -1, discordMessage: messageId });
    }
    for (const call of telegram.calls) {
      const id = RESULT_OF.exec(JSON.stringify(call.params.reply_markup ?? ''))?.[1];
      const sent = call.result as { message_id?: number; chat?: { id: number } } | undefined;
      if (id && sent?.message_id && sent.chat)
        results.set(id, {
          platform: 'telegram',
          user: -1,
          telegram: { chat: sent.chat.id, message: sent.message_id },
        });
    }
    discord.calls.length = 0;
    telegram.calls.length = 0;
    // The oldest results leave the pool, as old messages scroll out of sight.
    const keep = 400;
    for (const id of [...results.keys()].slice(0, Math.max(0, results.size - keep))) results.delete(id);
  }

  const discordReplies: string[] = [];
  const pending: Promise<void>[] = [];
  const track = (work: Promise<unknown>) =>
    pending.push(
      work.then(
        () => undefined,
        (error: unknown) => {
          if (errors.length < 20)
            errors.push(String(error instanceof Error ? error.message : error).slice(0, 300));
        },
      ),
    );

  async function act(n: number): Promise<void> {
    const platform: Platform = (['discord', 'telegram', 'web'] as const)[n % 3] as Platform;
    // A sliding window of users: each action's user is among the `activeUsers` newest, and one more arrives
    // every few actions, so long-lived per-user state shows up as growth.
    const newest = Math.floor(n / 6);
    const user = newest - Math.floor(rand() * plan.activeUsers);
    const userId = Math.max(0, user);
    let kind = pickKind(rand());
    const r = rand();
    const pool = [...results.entries()].filter(([, result]) => result.platform === platform);
    const target = pool[Math.floor(rand() * pool.length)];
    if ((kind === 'reroll' || kind === 'delete') && !target) kind = 'imagine';
    kinds[`${platform}:${kind}`] = (kinds[`${platform}:${kind}`] ?? 0) + 1;
    const prompt = `soak ${n}`;

    if (platform === 'web') {
      openWebStream(userId);
      // Users who left the window close their page.
      for (const [old, abort] of webStreams)
        if (old < newest - plan.activeUsers) {
          abort.abort();
          webStreams.delete(old);
        }
      if (kind === 'reroll' || kind === 'delete') {
        const [jobId] = target as [string, Result];
        if (kind === 'delete') results.delete(jobId);
        const res = await fetch(new URL('/api/actions', plan.webUrl), {
          method: 'POST',
          headers: webHeaders(userId, true),
          body: JSON.stringify({ id: `${kind}:${jobId}` }),
        });
        await res.text();
        return;
      }
      const form = new FormData();
      if (kind === 'describe') {
        form.set('text', 'what is in this picture?');
        form.set('image', new Blob([png], { type: 'image/png' }), 'in.png');
      } else form.set('text', kind === 'refused' ? refusedLine(r) : `${prompt} ${FLAGS}`);
      const res = await fetch(new URL('/api/messages', plan.webUrl), {
        method: 'POST',
        headers: webHeaders(userId),
        body: form,
      });
      const answer = await res.text();
      const jobId = /cancel:([0-9a-f-]{36})/.exec(answer)?.[1];
      if (kind === 'cancel' && jobId) {
        await sleep(Math.floor(r * 40));
        const cancel = await fetch(new URL('/api/actions', plan.webUrl), {
          method: 'POST',
          headers: webHeaders(userId, true),
          body: JSON.stringify({ id: `cancel:${jobId}` }),
        });
        await cancel.text();
      }
      return;
    }

    if (platform === 'discord') {
      const who = discordUser(userId);
      if (kind === 'reroll' || kind === 'delete') {
        const [jobId, result] = target as [string, Result];
        const message = result.discordMessage ? discord.message(result.discordMessage) : undefined;
        if (kind === 'delete') results.delete(jobId);
        if (message)
          discord.dispatchInteraction(
            discord.build.buttonPress({ customId: `${kind}:${jobId}`, message, user: who }),
          );
        return;
      }
      let options: Record<string, unknown>;
      let name = 'imagine';
      if (kind === 'describe') {
        name = 'describe';
        options = { image: discord.registerAttachment({ filename: 'in.png', bytes: png }) };
      } else if (kind === 'refused') options = { prompt: 'a cat', steps: 999 };
      else options = { prompt, ...IMAGINE };
      const ix = discord.dispatchInteraction(
        discord.build.slashCommand({ name, options: options as never, user: who }),
      );
      if (kind === 'imagine') discordReplies.push(ix.id);
      if (kind !== 'cancel') return;
      // The first answer: a status with a Cancel button, or a refusal (the user's queue or window is full).
      const answer = await discord.waitForCall(discord.answerOf(ix), 30_000);
      const jobId = JOB_IN.exec(JSON.stringify(answer.body))?.[1];
      if (!jobId) return;
      await sleep(Math.floor(r * 40));
      const message = discord.message(discord.interaction(ix.id)?.originalMessageId ?? '');
      if (message && r < 0.5)
        discord.dispatchInteraction(
          discord.build.buttonPress({ customId: `cancel:${jobId}`, message, user: who }),
        );
      else
        discord.dispatchInteraction(
          discord.build.slashCommand({ name: 'cancel', options: { job: jobId.slice(0, 8) }, user: who }),
        );
      return;
    }

    const from = telegramUser(userId);
    if (kind === 'reroll' || kind === 'delete') {
      const [jobId, result] = target as [string, Result];
      const message = result.telegram && telegram.message(result.telegram.chat, result.telegram.message);
      if (kind === 'delete') results.delete(jobId);
      if (message) telegram.injectCallbackQuery(message, `${kind}:${jobId}`, from);
      return;
    }
    if (kind === 'describe') {
      telegram.injectPhoto(telegram.registerFile(png), { caption: '/describe', from });
      return;
    }
    const request = telegram.injectText(kind === 'refused' ? refusedLine(r) : `/imagine ${prompt} ${FLAGS}`, {
      from,
    });
    if (kind !== 'cancel') return;
    const queued = await telegram.waitForCall(
      (c) =>
        c.method === 'sendMessage' &&
        String(c.params.chat_id) === String(from.id) &&
        JSON.stringify(c.params.reply_parameters ?? '').includes(`"message_id":${request.message_id}`),
      30_000,
    );
    const jobId = JOB_IN.exec(JSON.stringify(queued.params.reply_markup ?? ''))?.[1];
    if (!jobId) return;
    await sleep(Math.floor(r * 40));
    const status = telegram.message(from.id, Number((queued.result as { message_id: number }).message_id));
    if (status && r < 0.5) telegram.injectCallbackQuery(status, `cancel:${jobId}`, from);
    else telegram.injectText(`/cancel ${jobId.slice(0, 8)}`, { from });
  }

  for (let n = 0; n < plan.jobs; ) {
    const end = Math.min(plan.jobs, n + plan.round);
    for (; n < end; n++) {
      track(act(n));
      // Arrivals spread over time, interleaved with the jobs' own events.
      await sleep(Math.floor(rand() * 6));
    }
    await Promise.all(pending.splice(0));
    send({ type: 'round', sent: n });
    const reply = await nextMessage();
    if (reply.type === 'stop') break;
    indexResults();
  }
  for (const abort of webStreams.values()) abort.abort();
  send({ type: 'finished', kinds, errors });
  await nextMessage();
  await discord.stop();
  await telegram.stop();
}

await main();
process.disconnect?.();
