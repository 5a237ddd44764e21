// A job's status message in one chat. It starts as text ("queued", "step 3 of 64"); with previews on, the first
// preview turns it into a photo through editMessageMedia (the Bot API may "replace a text … message with a media",
// as grammY 1.46's types say), later previews swap the photo and text-only updates edit the caption. The result is
// sent by the caller as a new photo replying to the request (an edit would not notify the user), and this message
// is deleted. Every call on one message runs in order, so a slow preview upload never lands after the result. A
// preview that fails costs one log line and the job goes on as text. That the message became a photo is reported
// (`onPhoto`) so it outlives a restart: a text edit of a photo is refused. A 429 on a state pauses the states for as
// long as Telegram asks (they are dropped, not queued: the newest wins anyway); the ending waits it out (`persist`).
// A state's 429 comes back at once, past the bot's auto-retry: waited out there, a refused state would be sent
// again stale after the wait and hold every later call on the message (the ending too) behind it. A message
// the user deleted (or one no longer editable) is StatusMessageGone: the shared tracker then leaves it alone. A text
// ending longer than the message holds (a long answer) shows its first lines there, the rest in messages answering it.
import { Api, GrammyError, InputFile, type Transformer } from 'grammy';
import type { Reply, ReplyImage } from '../../commands/index.js';
import type { Locale } from '../../src/i18n.js';
import { StatusMessageGone } from '../shared/job-status-tracker.js';
import { once, type Persist, retryAfterOf } from './flood-wait.js';
import { UPGRADED } from './migrations.js';
import { notModified } from './not-modified.js';
import { fitsAsPhoto } from './photo-limits.js';
import { CAPTION_LIMIT, captionParts, keyboard, replyText, TEXT_LIMIT, textParts } from './render.js';
import { sendFurther } from './send.js';

export interface StatusOptions {
  api: Api;
  chatId: number;
  messageId: number;
  locale: Locale;
  /**
   * The text the message shows, when known: the text it was just sent with. A message reopened after a restart may
   * show any later state, so it has none, and its first edit is sent whatever it says.
   */
  text?: string;
  /** Show previews (the user's setting, or the chat type's default). */
  previews: boolean;
  /** The message is a photo already (a preview made it one before a restart). */
  photo?: boolean;
  /** The message has just become a photo. */
  onPhoto?: () => void;
  /** The forum topic the message is in: where the rest of a long ending goes. */
  threadId?: number;
  /** Hears the id of each message the rest of a long ending was sent as. */
  onMessage?: (messageId: number) => void;
  warn: (fields: Record<string, unknown>, message: string) => void;
}

/** Telegram's refusal of editMessageText on a photo. */
const NO_TEXT = /there is no text in the message to edit/i;
/** Telegram's refusals of an edit that no later edit would change: the message was deleted, or is no longer editable. */
const GONE = /message to edit not found|message can't be edited/i;

/** The refusal as StatusMessageGone when it says the message is gone for good; else as it is. */
function goneOr(error: unknown): unknown {
  return isGone(error) ? new StatusMessageGone(error) : error;
}

/** Also a message of a group that became a supergroup: it stays in the old chat (migrations.ts). */
function isGone(error: unknown): boolean {
  return error instanceof GrammyError && (GONE.test(error.description) || UPGRADED.test(error.description));
}

/**
 * A 429 answer thrown at once as the GrammyError the call would end with. Beneath grammY's auto-retry, which waits
 * out a 429 answer but hands on what is thrown, it reaches the state's caller without a wait.
 */
const floodComesBack: Transformer = async (prev, method, payload, signal) => {
  const answer = await prev(method, payload, signal);
  if (!answer.ok && answer.error_code === 429)
    throw new GrammyError(`Call to '${method}' failed!`, answer, method, payload);
  return answer;
};

const stateClients = new WeakMap<Api, Api>();

/**
 * The bot's client as states use it: its token, options and transformers (as installed when first asked for, after
 * the bot's set-up), over `floodComesBack`. One per bot client, shared by its status messages and by chat
 * actions (job-messages.ts), which a wait would also make stale.
 */
export function stateClient(api: Api): Api {
  let client = stateClients.get(api);
  if (!client) {
    client = new Api(api.token, api.options);
    client.config.use(floodComesBack, ...api.config.installedTransformers());
    stateClients.set(api, client);
  }
  return client;
}

export class StatusMessage {
  readonly chatId: number;
  readonly messageId: number;
  /** The message shows a photo (a preview) with the status as its caption. */
  private photo: boolean;
  private previews: boolean;
  private lastText: string | undefined;
  private lastPreview?: Uint8Array;
  /** Until when (ms since the epoch) Telegram's flood control refuses edits here: states meanwhile are dropped. */
  private floodUntil = 0;
  /**
   * The newest state dropped during a flood wait, shown when it ends: the job tracker counts a state as shown once
   * handed over, so an equal later state would be skipped and the message stay stale.
   */
  private afterFlood?: { timer: NodeJS.Timeout; reply: Reply; preview?: ReplyImage };
  private queue: Promise<unknown> = Promise.resolve();
  /** Where states go: the bot's client, but a 429 comes back at once (no auto-retry wait). */
  private readonly states: Api;

  constructor(private readonly options: StatusOptions) {
    this.states = stateClient(options.api);
    this.chatId = options.chatId;
    this.messageId = options.messageId;
    this.previews = options.previews;
    this.photo = options.photo === true;
    this.lastText = options.text;
  }

  /** Previews are wanted: on for this job and none has failed yet. */
  get showsPreviews(): boolean {
    return this.previews;
  }

  /** Shows the newest state: the preview when there is one to show, else the text (or caption). */
  show(reply: Reply, preview?: ReplyImage): Promise<void> {
    return this.serial(async () => {
      this.cancelAfterFlood();
      if (Date.now() < this.floodUntil) {
        this.showAfterFlood(reply, preview);
        return;
      }
      try {
        if (this.wantsPreview(preview) && !sameBytes(preview.data, this.lastPreview)) {
          if (await this.editMedia(reply, preview, 'telegram preview failed; progress goes on as text')) {
            this.lastPreview = preview.data;
            return;
          }
          // Previews stop for this job (one log line, no retries); the text is shown instead.
          this.previews = false;
        }
        await this.editText(reply, once, this.states);
      } catch (error) {
        const seconds = retryAfterOf(error);
        if (seconds === undefined) throw error;
        this.floodUntil = Date.now() + seconds * 1000;
        this.showAfterFlood(reply, preview);
      }
    });
  }

  private showAfterFlood(reply: Reply, preview: ReplyImage | undefined): void {
    const timer = setTimeout(
      () => {
        this.afterFlood = undefined;
        void this.show(reply, preview).catch((error: unknown) =>
          this.options.warn({ err: error }, 'telegram status edit after a flood wait failed'),
        );
      },
      Math.max(0, this.floodUntil - Date.now()),
    );
    timer.unref();
    this.afterFlood = { timer, reply, preview };
  }

  private cancelAfterFlood(): void {
    if (this.afterFlood) clearTimeout(this.afterFlood.timer);
    this.afterFlood = undefined;
  }

  /**
   * The job's last word. A text reply (failed, cancelled, an answer) edits the message through `persist` (and throws
   * when Telegram refuses: the message was deleted, the chat is gone), its lines past what the message holds in
   * messages answering it; false for an image result, which the caller sends as a new message.
   */
  finish(reply: Reply, persist: Persist = once): Promise<boolean> {
    this.cancelAfterFlood();
    return this.serial(async () => {
      const images = reply.images ?? [];
      if (images.length === 0) {
        const [first, ...rest] = this.partsOf(reply);
        await this.editText(first, persist);
        await this.sendRest(rest, persist);
        return true;
      }
      // A result is a new photo replying to the request (the caller sends it and deletes this status): an edit
      // would bring the user no notification, and a job can take minutes.
      return false;
    });
  }

  /** Edits the text (or caption) to `reply`'s first lines (those the message holds whole), after any call in flight. */
  text(reply: Reply): Promise<void> {
    this.cancelAfterFlood();
    return this.serial(() => this.editText(this.partsOf(reply)[0]));
  }

  /** The ending as the message (text or caption) and the messages after it, split between whole lines. */
  private partsOf(reply: Reply): [Reply, ...Reply[]] {
    return this.photo ? captionParts(reply, this.options.locale) : textParts(reply, this.options.locale);
  }

  /**
   * The lines of an ending past what the message holds, as messages answering it. The ending was shown: one Telegram
   * refuses is logged, not taken for a refusal of the ending (which would send it all again as a new message).
   */
  private async sendRest(rest: readonly Reply[], persist: Persist): Promise<void> {
    if (rest.length === 0) return;
    const { api, chatId, messageId, locale, threadId, onMessage } = this.options;
    const parameters = { reply_parameters: { message_id: messageId, allow_sending_without_reply: true } };
    await sendFurther(
      api,
      { chatId, locale, parameters, onMessage, ...(threadId === undefined ? {} : { threadId }) },
      rest,
      persist,
    ).catch((error: unknown) =>
      this.options.warn({ err: error, chatId }, 'the rest of a long telegram ending could not be sent'),
    );
  }

  /**
   * The message passes to another job (an edited request): no state of this one is shown any more. Resolves after
   * the call in flight, with whether the message is a photo now.
   */
  release(): Promise<boolean> {
    this.cancelAfterFlood();
    return this.serial(async () => this.photo);
  }

  delete(): Promise<void> {
    this.cancelAfterFlood();
    return this.serial(async () => {
      await this.options.api.deleteMessage(this.chatId, this.messageId).catch(() => undefined);
    });
  }

  private wantsPreview(preview: ReplyImage | undefined): preview is ReplyImage {
    return preview !== undefined && this.previews && fitsAsPhoto(preview.data);
  }

  private textOf(reply: Reply): string {
    return replyText(reply, this.options.locale, this.photo ? CAPTION_LIMIT : TEXT_LIMIT);
  }

  private serial<T>(call: () => Promise<T>): Promise<T> {
    const next = this.queue.then(call);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Replaces the message's content with the photo, the reply's text as caption and its keyboard. */
  private async editMedia(reply: Reply, image: ReplyImage, failure: string): Promise<boolean> {
    const caption = replyText(reply, this.options.locale, CAPTION_LIMIT);
    try {
      await this.states.editMessageMedia(
        this.chatId,
        this.messageId,
        { type: 'photo', media: new InputFile(Buffer.from(image.data), image.filename), caption },
        { reply_markup: keyboard(reply, this.options.locale) },
      );
    } catch (error) {
      // Flood control is no failure of previews: the caller pauses the states. Nor is a message that is gone.
      if (retryAfterOf(error) !== undefined) throw error;
      if (isGone(error)) throw new StatusMessageGone(error);
      this.options.warn({ err: error, chatId: this.chatId, jobId: reply.jobId }, failure);
      return false;
    }
    this.becamePhoto();
    this.lastText = caption;
    return true;
  }

  private becamePhoto(): void {
    if (this.photo) return;
    this.photo = true;
    this.options.onPhoto?.();
  }

  /** Edits the text (or caption): through `api` (the bot's client, unless a state), each try through `persist`. */
  private async editText(reply: Reply, persist: Persist = once, api = this.options.api): Promise<void> {
    const { locale } = this.options;
    const text = this.textOf(reply);
    if (text === this.lastText) return;
    const previous = this.lastText;
    this.lastText = text;
    const other = { reply_markup: keyboard(reply, locale) };
    const edit = () =>
      this.photo
        ? api.editMessageCaption(this.chatId, this.messageId, { caption: text, ...other })
        : api.editMessageText(this.chatId, this.messageId, text, other);
    try {
      await persist(edit);
    } catch (error) {
      // Showing what is already shown is no failure; anything else (a deleted message, a refused edit) is.
      if (notModified(error)) return;
      // Not shown: a later call with the same text must try again.
      this.lastText = previous;
      if (this.photo || !(error instanceof GrammyError) || !NO_TEXT.test(error.description))
        throw goneOr(error);
      // A photo all along: a preview made it one in a run whose stored record did not say so. Its caption, then.
      this.becamePhoto();
      await this.editText(reply, persist, api);
    }
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (b === undefined || a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
