// The lifecycle soak: both adapters (real discord.js and grammY clients) on one job system with a fast engine
// double, against the in-repo fakes; users on both platforms submit jobs while a seeded random plan redelivers
// some events, cancels some jobs (by command and by button) and refuses some final edits (a few so hard that even
// the fallback reply is refused). It returns what happened to every job; the test and the bench judge the figures.
// Everything random comes from one seed, so a failing run can be replayed.
import { startDiscord } from '../../../adapters/discord/index.js';
import type { Delivery } from '../../../adapters/shared/job-status.js';
import { startTelegram } from '../../../adapters/telegram/index.js';
import { mulberry32 } from '../../../engine/testing/mulberry32.js';
import { buildCommands } from '../../../src/app-services.js';
import type { Job } from '../../../src/jobs/index.js';
import { makeUser } from '../../doubles/fake-discord/builders.js';
import { type FakeDiscord, startFakeDiscord } from '../../doubles/fake-discord/index.js';
import {
  type FakeTelegram,
  startFakeTelegram,
  type TelegramCall,
} from '../../doubles/fake-telegram/index.js';
import { watchUnhandledRejections } from '../../doubles/shared/unhandled.js';
import { TimedEngineDouble } from '../../doubles/timed-engine.js';
import { openDoubleServices } from '../e2e-services.js';

export interface SoakOptions {
  jobs: number;
  /** Users per platform. */
  usersPerPlatform: number;
  seed: number;
  /** Shares of submissions that are delivered twice, cancelled, get a refused final edit, reach nobody. */
  duplicateShare: number;
  cancelShare: number;
  refusedShare: number;
  undeliverableShare: number;
  /** Upper bound on the whole run; past it the soak stops and reports what it has. */
  deadlineMs: number;
}

export const DEFAULT_SOAK: SoakOptions = {
  jobs: 200,
  usersPerPlatform: 10,
  seed: 13,
  duplicateShare: 0.15,
  cancelShare: 0.15,
  refusedShare: 0.15,
  undeliverableShare: 0.03,
  deadlineMs: 90_000,
};

export interface SoakJob {
  platform: 'discord' | 'telegram';
  jobId?: string;
  duplicated: boolean;
  cancelled: boolean;
  refused: boolean;
  undeliverable: boolean;
  /** How its ending reached the owner. */
  delivery?: Delivery;
  /** Where the job's status message is: a Discord message id, or `<chat>:<message>` on Telegram. */
  statusRef?: string;
  /** The status message still shows a live state (Queued/Working or a Cancel button) at the end. */
  statusLive?: boolean;
  /**
   * Telegram: the bot said it could not confirm the job's first reply (the connection broke before Telegram's answer
   * came: under load a request can fail before the fake even records it). Such a job has no status message; its
   * ending is sent anew, answering the request (job-messages.ts `openUnseen`).
   */
  unconfirmed?: boolean;
}

export interface SoakFigures {
  submitted: number;
  jobsCreated: number;
  /** Submissions that made more than one job. */
  duplicatedJobs: number;
  /** Jobs whose ending was never handled (no delivery recorded). */
  lost: number;
  duplicatesDelivered: number;
  cancelsRequested: number;
  refusedFinalsArmed: number;
  undeliverableArmed: number;
  deliveries: Record<Delivery, number>;
  statuses: Record<string, number>;
  /** Undelivered jobs the store lists for their owners (the /queue list). */
  undeliveredListed: number;
  /** Undelivered jobs with something to fetch (not cancelled): each must be listed for its owner. */
  undeliveredResults: number;
  /** Status messages left in a live state although the platform would have taken an edit. */
  statusMessagesLive: number;
  unhandledRejections: number;
  harnessErrors: number;
  wallMs: number;
}

const JOB_IN = /(?:cancel|reroll):([0-9a-f-]{36})/;
const DISCORD_EDITS = [
  'PATCH /webhooks/:app/:token/messages/:message',
  'PATCH /channels/:channel/messages/:message',
];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a status message left showing a live state gets to be settled once every job's ending is handled. */
const SETTLE_MS = 10_000;

async function until(check: () => boolean, deadline: number, stepMs = 25): Promise<boolean> {
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
  return true;
}

export async function runSoak(
  options: SoakOptions = DEFAULT_SOAK,
): Promise<{ figures: SoakFigures; jobs: SoakJob[] }> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const rand = mulberry32(options.seed);
  const unhandled = watchUnhandledRejections();
  const discord: FakeDiscord = await startFakeDiscord();
  const telegram: FakeTelegram = await startFakeTelegram({
    maxLongPollMs: 200,
    token: '123456:ABCdefGHIjklMNOpqrSTUvwxyz',
  });
  const deliveries = new Map<string, Delivery>();
  const onDelivery = (jobId: string, delivery: Delivery) => deliveries.set(jobId, delivery);
  const { config, log, services } = openDoubleServices(
    'lifecycle-soak',
    {
      DISCORD_TOKEN: discord.token,
      TELEGRAM_TOKEN: telegram.token,
      RATE_LIMIT_PER_MINUTE: '0',
      QUEUE_MAX_PER_USER: '100',
      QUEUE_MAX_PER_SCOPE: '1000',
      QUEUE_MAX_TOTAL: '1000',
    },
    new TimedEngineDouble(1, 3),
  );
  const unconfirmed = heardUnconfirmed(log);
  // One Commands for both platforms, as the composition root builds it.
  const commands = buildCommands({ config, log }, services);
  const discordBot = await startDiscord({ config, log }, services, commands, {
    rest: discord.clientOptions().rest,
    cdnHosts: discord.cdnHosts,
    editIntervalMs: 20,
    onDelivery,
  });
  const telegramBot = await startTelegram({ config, log }, services, commands, {
    apiRoot: telegram.apiRoot,
    editIntervalMs: { private: 10, group: 20 },
    onDelivery,
  });
  services.start();

  const discordUsers = Array.from({ length: options.usersPerPlatform }, (_, i) =>
    makeUser(String(940000000000000000n + BigInt(i)), `soak${i}`),
  );
  const telegramUsers = Array.from({ length: options.usersPerPlatform }, (_, i) => ({
    id: 70_000 + i,
    is_bot: false as const,
    first_name: `Soak${i}`,
    language_code: 'en',
  }));
  const jobs: SoakJob[] = [];
  const pending: Promise<void>[] = [];
  /** Failures of the soak's own steps (a wait that timed out): reported, never left unhandled. */
  const harnessErrors: unknown[] = [];

  for (let n = 0; n < options.jobs && Date.now() < deadline; n++) {
    const job: SoakJob = {
      platform: rand() < 0.5 ? 'discord' : 'telegram',
      duplicated: rand() < options.duplicateShare,
      cancelled: rand() < options.cancelShare,
      refused: false,
      undeliverable: false,
    };
    const fate = rand();
    job.undeliverable = fate < options.undeliverableShare;
    job.refused = !job.undeliverable && fate < options.undeliverableShare + options.refusedShare;
    const userIndex = Math.floor(rand() * options.usersPerPlatform);
    const cancelByButton = rand() < 0.5;
    // Drawn now, not inside the async steps: the plan is the same however the run interleaves.
    const cancelDelayMs = Math.floor(rand() * 30);
    const pauseMs = Math.floor(rand() * 8);
    jobs.push(job);
    if (job.platform === 'discord') {
      const user = discordUsers[userIndex] as (typeof discordUsers)[number];
      const ix = discord.dispatchInteraction(
        discord.build.slashCommand({ name: 'imagine', options: { prompt: `soak ${n}` }, user }),
      );
      if (job.duplicated) discord.redeliverInteraction(ix.id);
      pending.push(
        (async () => {
          const answer = await discord.waitForCall(
            (c) => discord.answerOf(ix)(c) && JOB_IN.test(JSON.stringify(c.body)),
            options.deadlineMs,
          );
          const jobId = JOB_IN.exec(JSON.stringify(answer.body))?.[1] as string;
          job.jobId = jobId;
          const messageId = discord.interaction(ix.id)?.originalMessageId ?? '';
          job.statusRef = messageId;
          const isStatus = (c: { route: string; params: Record<string, string> }) =>
            DISCORD_EDITS.includes(c.route) &&
            (c.params.token === ix.token || c.params.message === messageId);
          const isFinal = (body: unknown) => /reroll:|Cancelled|failed/.test(JSON.stringify(body ?? ''));
          if (job.undeliverable) {
            discord.failRoute(isStatus, { times: 1000, status: 403, code: 50001, message: 'Missing Access' });
            discord.failRoute(
              (c) => c.route === 'POST /channels/:channel/messages' && JSON.stringify(c.body).includes(jobId),
              { times: 1000, status: 403, code: 50013, message: 'Missing Permissions' },
            );
          } else if (job.refused) {
            // The final edit is refused on both roads (interaction webhook, then channel) by a refusal that leaves
            // the message and the channel usable (a 403 or 404 says the channel is gone for good: then the result
            // goes to the DMs, discord-refused-status.e2e.test.ts); the retry after the fallback reply goes through.
            discord.failRoute((c) => isStatus(c) && isFinal(c.body), {
              times: 2,
              status: 400,
              code: 50035,
              message: 'Invalid Form Body',
            });
          }
          if (job.cancelled) {
            await sleep(cancelDelayMs);
            const message = discord.message(messageId);
            if (cancelByButton && message)
              discord.dispatchInteraction(
                discord.build.buttonPress({ customId: `cancel:${jobId}`, message, user }),
              );
            else
              discord.dispatchInteraction(
                discord.build.slashCommand({ name: 'cancel', options: { job: jobId.slice(0, 8) }, user }),
              );
          }
        })().catch((error: unknown) => {
          harnessErrors.push(error);
        }),
      );
    } else {
      const from = telegramUsers[userIndex] as (typeof telegramUsers)[number];
      const request = telegram.injectText(`/imagine soak ${n}`, { from });
      if (job.duplicated) telegram.redeliver(telegram.lastUpdateId);
      const answersRequest = (c: TelegramCall) =>
        String(c.params.chat_id) === String(from.id) &&
        (c.params.reply_parameters as { message_id?: unknown } | undefined)?.message_id ===
          request.message_id;
      pending.push(
        (async () => {
          // The first message answering the request that names its job: its status message, or, when the bot could
          // not confirm that one (`unconfirmed`), its ending sent anew (a photo with Re-roll). Either shows the job.
          const first = await telegram.waitForCall(
            (c) =>
              /^send(Message|Photo|Document)$/.test(c.method) &&
              answersRequest(c) &&
              JOB_IN.test(JSON.stringify(c.params.reply_markup ?? '')),
            options.deadlineMs,
          );
          const jobId = JOB_IN.exec(JSON.stringify(first.params.reply_markup))?.[1] as string;
          job.jobId = jobId;
          // Its status message is the request's first answer with a Cancel button, unless the bot said it could not
          // confirm it (the fake may have recorded it all the same, with no message made).
          const status =
            first.method === 'sendMessage' && /cancel:/.test(JSON.stringify(first.params.reply_markup))
              ? first
              : undefined;
          const statusId = Number((status?.result as { message_id?: number } | undefined)?.message_id);
          if (status && Number.isInteger(statusId)) job.statusRef = `${from.id}:${statusId}`;
          const isStatus = (c: { method: string; params: Record<string, unknown> }) =>
            /^editMessage/.test(c.method) &&
            String(c.params.chat_id) === String(from.id) &&
            Number(c.params.message_id) === statusId;
          if (job.undeliverable) {
            telegram.failMethod(isStatus, {
              times: 1000,
              errorCode: 400,
              description: 'Bad Request: message to edit not found',
            });
            telegram.failMethod(
              (c) =>
                /^send(Message|Photo|Document)$/.test(c.method) &&
                String(c.params.chat_id) === String(from.id) &&
                JSON.stringify(c.params.reply_parameters ?? '').includes(
                  `"message_id":${request.message_id}`,
                ),
              { times: 1000, errorCode: 403, description: 'Forbidden: bot was blocked by the user' },
            );
          } else if (job.refused) {
            // A refusal that leaves the message there, so settling it afterwards is still owed (one saying the
            // message is gone makes the tracker leave it alone: status-refusals.e2e.test.ts).
            telegram.failMethod((c) => isStatus(c) && /Cancelled|failed/.test(String(c.params.text ?? '')), {
              times: 1,
              errorCode: 400,
              description: 'Bad Request: injected failure',
            });
          }
          if (job.cancelled) {
            await sleep(cancelDelayMs);
            const message = job.statusRef ? telegram.message(from.id, statusId) : undefined;
            if (cancelByButton && message) telegram.injectCallbackQuery(message, `cancel:${jobId}`, from);
            else telegram.injectText(`/cancel ${jobId.slice(0, 8)}`, { from });
          }
        })().catch((error: unknown) => {
          harnessErrors.push(error);
        }),
      );
    }
    // Submissions arrive over time, interleaved with the jobs' own events.
    await sleep(pauseMs);
  }

  await Promise.allSettled(pending);
  await until(() => jobs.every((job) => job.jobId && deliveries.has(job.jobId)), deadline);
  // Let trailing settle edits (after fallback replies) land.
  await sleep(300);

  const byOwner = new Map<string, Job[]>();
  const owners = [
    ...discordUsers.map((u) => ({ platform: 'discord' as const, userId: u.id })),
    ...telegramUsers.map((u) => ({ platform: 'telegram' as const, userId: String(u.id) })),
  ];
  for (const owner of owners)
    byOwner.set(`${owner.platform}:${owner.userId}`, services.jobs.store.recentOf(owner, 1000));
  const created = [...byOwner.values()].flat();
  const statuses: Record<string, number> = {};
  for (const job of created) statuses[job.status] = (statuses[job.status] ?? 0) + 1;
  const counts: Record<Delivery, number> = { edited: 0, replied: 0, undelivered: 0 };
  for (const job of created) {
    const delivery = deliveries.get(job.id);
    if (delivery) counts[delivery] += 1;
  }
  const undeliveredListed = owners.reduce(
    (sum, owner) => sum + services.jobs.store.deliveries.undeliveredOf(owner).length,
    0,
  );

  for (const job of jobs) if (job.jobId) job.delivery = deliveries.get(job.jobId);
  for (const job of jobs) job.unconfirmed = job.jobId !== undefined && unconfirmed.has(job.jobId);
  // A status message the platform would still take an edit of must not show a live state. Its settling edit may
  // come after a fallback reply's retry, later than the fixed pause above on a loaded machine: waited for (bounded),
  // then judged.
  const showsLive = (job: SoakJob) => {
    if (!job.jobId || job.undeliverable) return false;
    const shown = statusShown(job, discord, telegram);
    return shown !== undefined && (/cancel:/.test(shown) || /Queued|Working on it/.test(shown));
  };
  await until(() => !jobs.some(showsLive), Date.now() + SETTLE_MS);
  for (const job of jobs) job.statusLive = showsLive(job);

  const figures: SoakFigures = {
    submitted: jobs.length,
    jobsCreated: created.length,
    duplicatedJobs: created.length - new Set(jobs.map((j) => j.jobId).filter(Boolean)).size,
    lost: created.filter((job) => !deliveries.has(job.id)).length,
    duplicatesDelivered: jobs.filter((j) => j.duplicated).length,
    cancelsRequested: jobs.filter((j) => j.cancelled).length,
    refusedFinalsArmed: jobs.filter((j) => j.refused).length,
    undeliverableArmed: jobs.filter((j) => j.undeliverable).length,
    deliveries: counts,
    statuses,
    undeliveredListed,
    undeliveredResults: created.filter(
      (job) => deliveries.get(job.id) === 'undelivered' && job.status !== 'cancelled',
    ).length,
    statusMessagesLive: jobs.filter((j) => j.statusLive).length,
    unhandledRejections: unhandled.rejections.length,
    harnessErrors: harnessErrors.length,
    wallMs: Date.now() - started,
  };
  unhandled.stop();
  await discordBot.stop();
  await telegramBot.stop();
  await services.close();
  await discord.stop();
  await telegram.stop();
  return { figures, jobs };
}

/** The bot's words for a job whose first Telegram reply it could not confirm (job-messages.ts `openUnseen`). */
const UNCONFIRMED = 'telegram did not confirm a job’s first reply';

/**
 * The ids of the jobs the bot says it could not confirm the first reply of, heard from its log (which the soak keeps
 * silent): that is the one way a Telegram job may go without a status message.
 */
function heardUnconfirmed(log: { warn: (...args: never[]) => unknown }): Set<string> {
  const jobs = new Set<string>();
  const warn = log.warn.bind(log) as (...args: unknown[]) => unknown;
  const heard = (...args: unknown[]) => {
    const [fields, message] = args;
    const jobId = (fields as { jobId?: unknown } | null)?.jobId;
    if (typeof message === 'string' && message.startsWith(UNCONFIRMED) && typeof jobId === 'string')
      jobs.add(jobId);
    return warn(...args);
  };
  Object.assign(log, { warn: heard });
  return jobs;
}

/** What the job's status message shows now (text and buttons), or undefined when it is gone (a Telegram result). */
function statusShown(job: SoakJob, discord: FakeDiscord, telegram: FakeTelegram): string | undefined {
  if (!job.statusRef) return undefined;
  if (job.platform === 'discord') {
    const message = discord.message(job.statusRef);
    return message ? `${message.content} ${JSON.stringify(message.components ?? [])}` : undefined;
  }
  const [chat, id] = job.statusRef.split(':').map(Number);
  const message = telegram.message(chat as number, id as number);
  if (!message) return undefined;
  return `${'text' in message ? message.text : ''} ${JSON.stringify(message.reply_markup ?? '')}`;
}
