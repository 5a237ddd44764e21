// Telegram's part of the shared job-status lifecycle: the status message (text, then the newest preview photo
// when previews are on), its lane (the chat, whose flood limit all of the bot's messages there share), the
// result as a new photo replying to the request, a typing action while the job runs, and how to reopen it all
// after a restart. In a forum, the job's messages and actions stay in the topic it was asked in. Ordering, pacing,
// the final-state rule and the fallback are the shared tracker's. An ending waits out flood control until the
// adapter stops; stopping ends those waits (the ending is then marked undelivered) and waits for the endings. A job
// replaced by an edit of its request hands its status message on to the job replacing it (edits.ts).
import type { Api } from 'grammy';
import { positionWorthShowing, type Reply, textReply } from '../../commands/index.js';
import { type Locale, matchLocale } from '../../src/i18n.js';
import type { DeliveryLog, Job, JobQueueApi } from '../../src/jobs/index.js';
import type { Logger } from '../../src/log.js';
import type { Delivery, StatusSurface } from '../shared/job-status.js';
import { JobStatusTracker, reporting, type StatusLane } from '../shared/job-status-tracker.js';
import { outlastFlood, type Persist } from './flood-wait.js';
import { InFlight } from './in-flight.js';
import { resultMessages, type SentMessage, withResultMessage } from './result-messages.js';
import { mayHaveArrived } from './retries.js';
import { inTopic, sendReply } from './send.js';
import { StatusMessage, sameBytes, stateClient } from './status-message.js';

/**
 * What is stored per job, so a restarted bot can go on with its status message. Fields added later are optional:
 * records written before them are read as before (no topic, a text message).
 */
export interface TelegramPlace {
  chatId: number;
  messageId: number;
  /** The user's message the job answers. */
  replyTo: number;
  /** Who sent `replyTo` (absent when it is no user's request: a result of ours, records from before this field). */
  requester?: number;
  locale: Locale;
  group: boolean;
  previews: boolean;
  /** The text the status message was sent with. */
  text: string;
  /** The forum topic the job was asked in. */
  threadId?: number;
  /** The status message became a photo (a preview): its text is a caption now. */
  photo?: boolean;
}

/** Where a job whose first reply Telegram did not confirm answers: its chat, and the request it replies to. */
export interface UnseenStart {
  chatId: number;
  group: boolean;
  locale: Locale;
  replyTo?: number;
  threadId?: number;
}

export interface TelegramJobMessagesOptions {
  deliveries: DeliveryLog;
  log: Logger;
  onDelivery?: (jobId: string, delivery: Delivery) => void;
  /** The queue's `failureTold` (JobQueueApi): a failed ending reached its owner. */
  failureTold?: (jobId: string) => void;
  /** Minimum time between edits in one chat, per chat type. */
  editIntervalMs: { private: number; group: number };
  /** The clock the queue stamps jobs with (`JobQueueApi.now`): which jobs are from before a restart. */
  now?: () => number;
}

/** What the status messages take from the queue: its clock, and its `failureTold` for a failure that was delivered. */
export function queueHooks(queue: Pick<JobQueueApi, 'now' | 'failureTold'>) {
  return { now: () => queue.now(), failureTold: queue.failureTold?.bind(queue) };
}

/** Telegram shows "sending a photo…" (or "typing…") for 5 s; it is repeated while a job runs. */
const TYPING_REPEAT_MS = 4500;
/**
 * How long a handover waits for the cancelled job's ending to reach its status message (milliseconds, unless a flood
 * wait or a slow preview upload holds it); past it the replacing job gets a message of its own.
 */
const HANDOVER_WAIT_MS = 5000;

/** A replaced job's status message, as its ending left it: taken over by the next job, or ended after all. */
export interface HandedOver {
  place: TelegramPlace;
  /** No job took it: it shows the replaced job's ending, as it would have. */
  end(): Promise<void>;
}

export class TelegramJobMessages {
  private readonly tracker: JobStatusTracker;
  private readonly typing = new Map<string, NodeJS.Timeout>();
  private readonly stopping = new AbortController();
  private readonly endings = new InFlight();
  private readonly persist: Persist = (call) => outlastFlood(call, this.stopping.signal);
  /** Jobs being replaced (an edited request): their ending hands the status message over instead of showing. */
  private readonly heirs = new Map<string, (handed: HandedOver | undefined) => void>();

  constructor(
    private readonly api: Api,
    private readonly options: TelegramJobMessagesOptions,
  ) {
    const gaps = options.editIntervalMs;
    this.tracker = new JobStatusTracker({
      ...reporting(options),
      gaps: { privateMs: gaps.private, groupMs: gaps.group, globalMs: 40 },
      changes: (next, shown) =>
        !shown ||
        JSON.stringify([next.text, next.buttons]) !== JSON.stringify([shown.text, shown.buttons]) ||
        (next.images?.[0] !== undefined && !sameBytes(next.images[0].data, shown.images?.[0]?.data)),
      // Queue positions only on a geometric schedule: the chat's flood limit is shared with everything else.
      worthShowing: (next, shown) =>
        next.ahead === undefined || positionWorthShowing(shown?.ahead, next.ahead),
      restore: (job) => this.restore(job),
      now: options.now,
    });
  }

  /** The lane of a chat's messages. */
  static lane(chatId: number, group: boolean): StatusLane {
    return { id: chatId, shared: group };
  }

  /** A message went to the chat without waiting: the next edit there keeps its distance. */
  note(chatId: number, group: boolean): void {
    this.tracker.note(TelegramJobMessages.lane(chatId, group));
  }

  /** The sent reply that starts a job is its status message (`place` undefined: it could not be sent). */
  open(jobId: string, reply: Reply, chatId: number, group: boolean, place?: TelegramPlace): void {
    const lane = TelegramJobMessages.lane(chatId, group);
    if (!place) {
      // Its ending is undelivered (and told) at once, not after a wait for a status message that never comes.
      this.tracker.open(jobId, lane, reply, Promise.resolve(undefined));
      return;
    }
    this.options.deliveries.remember(jobId, { ...place });
    this.tracker.open(jobId, lane, reply, Promise.resolve(this.surface(jobId, place)));
  }

  /**
   * The reply that starts a job may or may not have arrived (Telegram answered 5xx, or the connection broke; it is
   * not sent again, retries.ts): the job runs on without a status message to edit, showing the chat action while it
   * runs, and its ending goes as a new message answering the request. Told nothing now: "try again" would run it twice.
   */
  openUnseen(jobId: string, reply: Reply, where: UnseenStart): void {
    const { chatId, group, locale, replyTo, threadId } = where;
    this.options.log.warn(
      { jobId, chatId },
      'telegram did not confirm a job’s first reply; its ending is sent anew',
    );
    const parameters =
      replyTo === undefined
        ? {}
        : { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } };
    const onMessage = (messageId: number) => this.keepResult(jobId, { chatId, messageId });
    const target = { chatId, locale, parameters, threadId, onMessage };
    const surface: StatusSurface = {
      prepare: async () => undefined,
      show: async () => undefined,
      finish: async () => false,
      replyToUser: async (ending) => {
        this.note(chatId, group);
        await sendReply(this.api, target, ending, this.persist);
      },
    };
    this.tracker.open(jobId, TelegramJobMessages.lane(chatId, group), reply, Promise.resolve(surface));
  }

  async update(job: Job, reply: Reply): Promise<void> {
    // An urgent state (the bot restarting) means nothing is being drawn: no "sending a photo…" in the chat.
    if (reply.final || reply.urgent) this.stopTyping(job.id);
    else if (reply.ahead === undefined) this.startTyping(job);
    const update = this.tracker.update(job, reply);
    await (reply.final ? this.endings.track(update) : update);
  }

  /**
   * Call before cancelling `jobId`: its ending (the cancel) leaves the status message for the job replacing it and
   * resolves with it. Undefined when it does not come within HANDOVER_WAIT_MS, or after `keep` or `stop`: the
   * ending then shows as usual.
   */
  handOver(jobId: string): Promise<HandedOver | undefined> {
    this.keep(jobId);
    return new Promise((resolve) => {
      const timer = setTimeout(() => heir(undefined), HANDOVER_WAIT_MS);
      const heir = (handed: HandedOver | undefined) => {
        clearTimeout(timer);
        if (this.heirs.get(jobId) === heir) this.heirs.delete(jobId);
        resolve(handed);
      };
      this.heirs.set(jobId, heir);
    });
  }

  /** The job was not cancelled after all: its status message stays its own. */
  keep(jobId: string): void {
    this.heirs.get(jobId)?.(undefined);
  }

  /** Where a job of this adapter answered, as stored. */
  placeOf(jobId: string): TelegramPlace | undefined {
    return placeOf(this.options.deliveries.placeOf(jobId));
  }

  /** The messages that show a job's result, as stored (result-messages.ts): its Delete removes them. */
  endingOf(jobId: string): SentMessage[] {
    return resultMessages(this.options.deliveries.placeOf(jobId));
  }

  /**
   * `message` shows (part of) `jobId`'s result, its ending or a copy sent later: stored beside its place as soon as it
   * is sent, so a Delete pressed on any message of the result, even before the rest was sent or after a restart,
   * removes them all. Recording it never fails the sending: a store that refuses costs the Delete of that message,
   * and a log line.
   */
  keepResult(jobId: string, message: SentMessage): void {
    const { deliveries, log } = this.options;
    try {
      const kept = withResultMessage(deliveries.placeOf(jobId), message);
      if (kept) deliveries.remember(jobId, kept);
    } catch (error) {
      log.warn({ err: error, jobId }, 'a message of a telegram result could not be recorded');
    }
  }

  /**
   * Ends flood-control waits (their endings are marked undelivered) and drops every job and timer, then waits for
   * the endings in flight until `deadline` (ms since the epoch), so they are recorded before the store closes.
   */
  async stop(deadline = Date.now()): Promise<void> {
    this.stopping.abort();
    for (const heir of [...this.heirs.values()]) heir(undefined);
    for (const timer of this.typing.values()) clearInterval(timer);
    this.typing.clear();
    this.tracker.stop();
    await this.endings.settle(deadline);
  }

  private startTyping(job: Job): void {
    const chatId = job.meta.telegramChatId;
    if (typeof chatId !== 'number' || this.typing.has(job.id) || !this.tracker.has(job.id)) return;
    const thread = job.meta.telegramThreadId;
    const topic = inTopic(typeof thread === 'number' ? thread : undefined);
    // A /describe answers in words: "sending a photo…" would promise what never comes.
    const kind = job.kind === 'describe' ? 'typing' : 'upload_photo';
    // Never sent again after a flood wait: it lasts 5 s, and the job may have ended meanwhile; the next one is due soon.
    const client = stateClient(this.api);
    const action = () => void client.sendChatAction(chatId, kind, topic).catch(() => undefined);
    action();
    this.typing.set(job.id, setInterval(action, TYPING_REPEAT_MS));
  }

  private stopTyping(jobId: string): void {
    clearInterval(this.typing.get(jobId));
    this.typing.delete(jobId);
  }

  /**
   * A job's status message as the shared lifecycle sees it: states edit it (a preview as a photo); text
   * endings edit it; an image result, or any ending when the edit is refused, is a new message replying to the
   * user's (so Telegram notifies them), and the status message goes.
   */
  private surface(jobId: string, place: TelegramPlace, restored = false): StatusSurface {
    const { log, deliveries } = this.options;
    const keep = (messageId: number) => this.keepResult(jobId, { chatId: place.chatId, messageId });
    const status = new StatusMessage({
      api: this.api,
      chatId: place.chatId,
      messageId: place.messageId,
      locale: place.locale,
      // The stored text is the one it was sent with; later states showed others before the restart.
      ...(restored ? {} : { text: place.text }),
      previews: place.previews,
      photo: place.photo,
      onPhoto: () => deliveries.remember(jobId, { ...place, photo: true }),
      warn: (fields, message) => log.warn(fields, message),
      onMessage: keep,
      ...(place.threadId === undefined ? {} : { threadId: place.threadId }),
    });
    // A text ending is shown in the status message (its first lines, given to it again after a fallback reply); an
    // image result replaces it, and it goes.
    const finish = (reply: Reply) => {
      if (!reply.images?.length) keep(place.messageId);
      return status.finish(reply, this.persist);
    };
    const parameters = { reply_parameters: { message_id: place.replyTo, allow_sending_without_reply: true } };
    const target = { chatId: place.chatId, locale: place.locale, parameters, threadId: place.threadId };
    /** The ending's reply failed in a way that may still have delivered it. */
    let unsure = false;
    return {
      // The preview comes rendered small (a JPEG at chat size, commands/render.ts): sent as it is.
      prepare: async (reply) =>
        reply.images?.[0] && status.showsPreviews ? reply : { ...reply, images: undefined },
      show: (reply) => status.show(reply, reply.images?.[0]),
      finish: async (reply) => {
        const heir = this.heirs.get(jobId);
        if (!heir) return finish(reply);
        const photo = await status.release();
        // The wait may have run out meanwhile: then the replacing job has a message of its own, and this one ends.
        if (this.heirs.get(jobId) !== heir) return finish(reply);
        const end = () =>
          finish(reply).then(
            () => undefined,
            (error: unknown) => log.warn({ err: error, jobId }, 'telegram status message could not be ended'),
          );
        heir({ place: { ...place, photo }, end });
        return true;
      },
      replyToUser: async (reply) => {
        this.note(place.chatId, place.group);
        await sendReply(this.api, { ...target, onMessage: keep }, reply, this.persist).catch(
          (error: unknown) => {
            unsure = mayHaveArrived(error);
            throw error;
          },
        );
      },
      // A result replaced the status message; a text ending tries the status message once more (a refusal may
      // have been passing), so it does not keep a live Cancel button.
      settle: (reply) => (reply.images && reply.images.length > 0 ? status.delete() : status.text(reply)),
      // Not sent again after a 5xx (retries.ts): the user may have it, and is told so, with where to find it if not.
      tellUndelivered: () => status.text(textReply(unsure ? 'job.undelivered_unsure' : 'job.undelivered')),
    };
  }

  /** A job from before this process started, reopened from its stored status message. */
  private restore(job: Job): { surface: StatusSurface; lane: StatusLane } | undefined {
    const place = placeOf(this.options.deliveries.placeOf(job.id));
    return (
      place && {
        surface: this.surface(job.id, place, true),
        lane: TelegramJobMessages.lane(place.chatId, place.group),
      }
    );
  }
}

/** A place read back from storage, field by field (it was written by this adapter, but storage is untyped). */
function placeOf(value: Record<string, unknown> | undefined): TelegramPlace | undefined {
  if (!value || typeof value.chatId !== 'number' || typeof value.messageId !== 'number') return undefined;
  return {
    chatId: value.chatId,
    messageId: value.messageId,
    replyTo: typeof value.replyTo === 'number' ? value.replyTo : value.messageId,
    ...(typeof value.requester === 'number' ? { requester: value.requester } : {}),
    locale: matchLocale(typeof value.locale === 'string' ? value.locale : undefined) ?? 'en',
    group: value.group === true,
    previews: value.previews === true,
    text: typeof value.text === 'string' ? value.text : '',
    ...(typeof value.threadId === 'number' ? { threadId: value.threadId } : {}),
    ...(value.photo === true ? { photo: true } : {}),
  };
}
