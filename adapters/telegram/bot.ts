// The Telegram adapter (grammY): commands, captions, albums and replies to photos in, commands called, replies sent
// and kept up to date within Telegram's flood limits. Every handler answers with one localized message on failure
// (a button press: an alert for the presser alone) and the bot keeps serving. An edit of a request still waiting in
// the queue replaces it (edits.ts). Long polling by default; a webhook with a secret token when configured; either
// way `health()` says when the bot cannot hear Telegram. What in a chat is meant for the bot: addressing.ts; a group
// upgraded to a supergroup is followed (migrations.ts); a chat that removed the bot has its jobs withdrawn (removal.ts).
// Every update is kept in the job store until handled (inbox.ts), so a crash loses none. Here the updates are wired
// and the bot started and stopped; messages are read in messages.ts, presses in button-presses.ts.
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Context } from 'grammy';
import type { Message, UserFromGetMe } from 'grammy/types';
import { type CommandContext, type Reply, UserInputError } from '../../commands/index.js';
import { StartError } from '../../src/app.js';
import { t } from '../../src/i18n.js';
import { DoublePresses } from '../shared/double-press.js';
import { FIRST_TRY_MS } from '../shared/reach-retries.js';
import { AlbumCollector } from './albums.js';
import { type AllowedChats, allowedChats, carryOldMoves } from './allowed-chats.js';
import { AnswerHeldBack, AnswersBegun } from './answers-begun.js';
import { tellPresser } from './button-answers.js';
import { onButton } from './button-presses.js';
import { chatMoves } from './chat-moves.js';
import { CommandLines } from './command-lines.js';
import { registerAdminMenus, registerSharedMenus } from './command-menus.js';
import { EditedRequests } from './edits.js';
import { tellGivenUp } from './given-up.js';
import { describeFailure, PollHealth, TelegramReach, type WebhookWatch, watchWebhook } from './health.js';
import { InFlight, settleBy } from './in-flight.js';
import { inPlaceTries } from './in-place-turns.js';
import { TelegramInbox } from './inbox.js';
import { IncomingImages } from './incoming-images.js';
import { queueHooks, TelegramJobMessages } from './job-messages.js';
import { TelegramMessages } from './messages.js';
import { followUpgrades } from './migrations.js';
import type { TelegramOptions } from './options.js';
import { POLL_RETRY_MS, type Polling, startPolling } from './polling.js';
import { TelegramQuestions } from './questions.js';
import { onBotRemoved } from './removal.js';
import { RepeatedUpdates } from './repeats.js';
import { TelegramReplies } from './replies.js';
import { retries } from './retries.js';
import { contextOf } from './senders.js';
import { serveWebhook, type WebhookServer, webhookRegistration } from './webhook.js';

export type { TelegramOptions } from './options.js';

/** How long stopping waits for handlers, albums and job endings in flight: a stuck call must not hold a shutdown. */
const STOP_WAIT_MS = 10_000;

export class TelegramBot {
  readonly bot: Bot;
  private readonly jobMessages: TelegramJobMessages;
  /** An update comes again after a restart (Telegram's or the inbox's) or a failed webhook answer: handled once. */
  private readonly repeats: RepeatedUpdates;
  /** Updates taken and not yet handled, kept in the job store: a crash hands them to the next start. */
  private readonly inbox: TelegramInbox;
  /** Marks an update as answered as each try of its answer leaves: a crash then does not answer it twice. */
  private readonly answers: AnswersBegun;
  private polling?: Polling;
  private webhookWatch?: WebhookWatch;
  /** Telling Telegram where to post (setWebhook); its reason stands until it took the webhook. */
  private registration?: TelegramReach<true>;
  /** Trying setWebhook again in the background, after it failed at first. */
  private registering?: Promise<void>;
  private unsubscribe?: () => void;
  private readonly albums: AlbumCollector<Context>;
  private webhook?: WebhookServer;
  private readonly replies: TelegramReplies;
  private readonly messages: TelegramMessages;
  private readonly edits: EditedRequests;
  /** An edit's update, with the waiting jobs it replaced: their ids go with its command (commands/submit.ts). */
  private readonly replacing = new WeakMap<Context, string[]>();
  /** Update handlers and albums being handled: stopping waits for them. */
  private readonly handlers = new InFlight();
  private adminMenus?: Promise<void>;
  private readonly stopping = new AbortController();
  /** Reaching Telegram at start-up; its reason stands while it has not answered. */
  private reach?: TelegramReach<UserFromGetMe>;
  /** Reaching Telegram after start() returned (it could not be reached at first), and serving once it answers. */
  private connecting?: Promise<void>;
  /** Why serving failed once Telegram, first unreachable, answered. */
  private failedLate?: string;
  /** TELEGRAM_CHAT_IDS and the upgraded groups followed from them; every chat is served without it. */
  private readonly allowlist?: AllowedChats;

  constructor(private readonly options: TelegramOptions) {
    const token = options.config.telegram.token;
    if (!token) throw new Error('TELEGRAM_TOKEN is not set');
    this.albums = new AlbumCollector(options.albumQuietMs ?? 800, (items) => {
      const first = items[0];
      if (!first) return;
      const ids = items.map((item) => item.update.update_id);
      const album = this.answers.during(ids, () => this.guard(first, () => this.messages.onAlbum(items)));
      void this.handlers.track(album.finally(() => this.inbox.finished(items)));
    });
    this.bot = new Bot(token, options.apiRoot ? { client: { apiRoot: options.apiRoot } } : {});
    const { store, queue } = options.jobs;
    this.inbox = new TelegramInbox(store.inbox, options.log);
    this.answers = new AnswersBegun(this.inbox);
    // First, so that it wraps each try auto-retry makes: a try refused with a 429 takes its mark back for the wait.
    this.bot.api.config.use(this.answers.transformer);
    // Also inside auto-retry: a /queue list's edit in place is ordered against a later one at each try.
    this.bot.api.config.use(inPlaceTries);
    // Waits out 429 retry_after (up to a minute); a 5xx is retried only where a second call cannot send twice
    // (retries.ts). Longer waits are the callers' (flood-wait.ts).
    this.bot.api.config.use(retries(options.autoRetryMaxDelayS ?? 60));
    this.bot.api.config.use(followUpgrades(options.commands));
    const questions = new TelegramQuestions(this.bot.api, options.jobs.store.questions);
    this.bot.catch((error) => options.log.warn({ err: error.error }, 'telegram update failed'));
    this.bot.use((_ctx, next) => this.handlers.track(next()));
    this.repeats = new RepeatedUpdates({ store, queue, api: this.bot.api, log: options.log });
    this.bot.use((ctx, next) =>
      this.inbox.handle(ctx, next, this.repeats.firstDelivery(ctx.update.update_id)),
    );
    this.bot.use((ctx, next) => this.answers.during([ctx.update.update_id], next));
    // Chats are served concurrently (one slow download holds up only its own chat), each chat's updates in order.
    this.bot.use(sequentialize((ctx: Context) => (ctx.chat ? String(ctx.chat.id) : undefined)));
    // In its chat's turn, once the message it edits was handled: an edit of a message set aside takes its place.
    this.bot.use((ctx, next) => this.inbox.inTurn(ctx, next));
    this.jobMessages = new TelegramJobMessages(this.bot.api, {
      deliveries: options.deliveries,
      log: options.log,
      onDelivery: options.onDelivery,
      editIntervalMs: options.editIntervalMs ?? { private: 1000, group: 3000 },
      ...queueHooks(queue),
    });
    // A request the queue refuses only because the bot is stopping may wait for the next start instead (inbox.ts).
    const instead = (ctx: Context, reply: Reply) => this.inbox.insteadOfStopping(ctx, reply);
    this.replies = new TelegramReplies(this.bot.api, this.jobMessages, options.commands, instead);
    const root = options.apiRoot ?? 'https://api.telegram.org';
    const source = { api: this.bot.api, root, token, maxInputBytes: options.config.limits.maxInputBytes };
    const context = (ctx: Context) => this.context(ctx);
    const lines = new CommandLines(options.commands.registry, () => this.bot.botInfo.username);
    this.messages = new TelegramMessages({
      commands: options.commands,
      lines,
      images: new IncomingImages(source, options.commands, this.replies),
      replies: this.replies,
      questions,
      repeats: this.repeats,
      context,
      me: () => this.bot.botInfo,
    });
    this.edits = new EditedRequests({
      jobs: options.jobs,
      jobMessages: this.jobMessages,
      replies: this.replies,
      context,
      isCommand: (text) => lines.parse(text) !== undefined,
      handle: (ctx, replaces) => {
        if (replaces) this.replacing.set(ctx, replaces);
        return ctx.editedMessage?.text === undefined ? this.messages.onImage(ctx) : this.messages.onText(ctx);
      },
    });
    // Every group's upgrade moves what its chat's own identity holds (chat-moves.ts), an old deployment's kept only
    // in the allowlist's file too; then the chat allowlist, following an allowed group that became a supergroup.
    this.bot.use(chatMoves(options.commands));
    const kept = carryOldMoves(options.commands, options.log, options.config.dataDir);
    const { chatIds } = options.config.telegram;
    if (chatIds.length > 0) this.allowlist = allowedChats(chatIds, options.log, options.config.dataDir, kept);
    if (this.allowlist) this.bot.use(this.allowlist);
    // In its chat's turn: a message is looked up once the one before it has made its job (repeats.ts).
    this.bot.use((ctx, next) => this.repeats.admit(ctx, next));
    const presses = {
      instead,
      commands: options.commands,
      presses: new DoublePresses(),
      questions,
      replies: this.replies,
      endings: this.jobMessages,
      context,
      log: options.log,
    };
    this.bot.on('callback_query:data', (ctx) => this.guard(ctx, () => onButton(presses, ctx)));
    // Album items are handled together once the album is complete; the handler returns at once so the other items
    // (later updates) can arrive. Items of every kind: an album's caption (the command) may be its video's.
    this.bot.on('message', (ctx, next) => {
      const group = ctx.message.media_group_id;
      if (!group) return next();
      this.inbox.defer(ctx);
      this.albums.add(`${ctx.chat.id}:${group}`, ctx.message.message_id, ctx);
    });
    this.bot.on(['message:photo', 'message:document'], (ctx) =>
      this.guard(ctx, () => this.messages.onImage(ctx)),
    );
    // Any other captioned file (a video, a voice note): a command on it is answered too.
    this.bot.on('message:caption', (ctx) => this.guard(ctx, () => this.messages.onNotImage(ctx)));
    this.bot.on('message:text', (ctx) => this.guard(ctx, () => this.messages.onText(ctx)));
    this.bot.on('edited_message', (ctx) => this.guard(ctx, () => this.edits.onEdit(ctx)));
    this.bot.on('my_chat_member', (ctx) => onBotRemoved(options.commands, ctx, options.log));
  }

  /** Why the bot cannot hear Telegram now (for /readyz), or undefined while it can; never names the token. */
  health(): string | undefined {
    if (this.failedLate !== undefined) return `could not start (${this.failedLate}); restart the bot`;
    return (
      this.reach?.reason() ??
      this.registration?.reason() ??
      this.webhookWatch?.reason() ??
      this.polling?.health.reason()
    );
  }

  /** The webhook server's port, in webhook mode. */
  get webhookPort(): number | undefined {
    return this.webhook?.port;
  }

  /**
   * Reaches Telegram (getMe; in polling mode also removing a webhook left from an earlier webhook-mode run, which
   * would make getUpdates fail), then serves. Telegram unreachable at first (no network, DNS, a firewall, an outage)
   * does not hold up the start of the other adapters and the worker: after FIRST_TRY_MS it is said once in the log,
   * and the bot keeps trying in the background, `health()` naming the failure meanwhile. A refused token (401) is a
   * StartError: one line, and the start ends. In webhook mode the port is listened on first of all, taken over from
   * its reservation (src/ops/port-reservations.ts) before any call to Telegram, which may take minutes: no other
   * program can take it meanwhile, and Telegram's posts get 503 (and come again later) until the bot serves.
   */
  async start(): Promise<void> {
    const { log, config } = this.options;
    const { webhookUrl, webhookSecret } = config.telegram;
    const webhook = webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined;
    if (webhook) this.webhook = await this.listenWebhook(webhook.secret);
    // The promise goes back to the commands layer, so a shutdown's drain waits for the restart line to be shown.
    this.unsubscribe = this.options.commands.subscribe(
      ({ job, reply }) =>
        this.jobMessages
          .update(job, reply)
          .catch((error: unknown) => log.warn({ err: error, jobId: job.id }, 'telegram update failed')),
      'telegram',
    );
    // Pending updates are kept either way: commands sent while the bot was down are still answered.
    const meet = async (nodeSignal: AbortSignal) => {
      // grammY types its signal as its abort-controller shim's; Node's own is what it takes at run time.
      const signal = nodeSignal as Parameters<typeof this.bot.api.getMe>[0];
      const me = await this.bot.api.getMe(signal);
      if (!webhook) await this.bot.api.deleteWebhook({ drop_pending_updates: false }, signal);
      return me;
    };
    const reach = new TelegramReach(meet, this.stopping.signal, this.bot.token);
    this.reach = reach;
    let me: UserFromGetMe | undefined;
    try {
      me = await reach.try(FIRST_TRY_MS);
      if (me !== undefined) return await this.serve(me, webhook);
    } catch (error) {
      // A bot that failed to start is neither subscribed nor listening behind the caller's back.
      this.unsubscribe();
      await this.webhook?.close();
      throw error;
    }
    if (this.stopping.signal.aborted) return;
    const retryMs = this.options.pollRetryMs ?? POLL_RETRY_MS;
    log.warn(
      { retryS: retryMs / 1000 },
      `Telegram cannot be reached yet (${reach.problem}); the bot keeps trying (${retryMs / 1000} s apart at first, then longer, up to a minute) and serves the other adapters meanwhile; /readyz names telegram until it answers`,
    );
    this.connecting = reach
      .keepTrying(retryMs)
      .then((late) =>
        late === undefined || this.stopping.signal.aborted ? undefined : this.serve(late, webhook),
      )
      .catch((error: unknown) => {
        if (error instanceof StartError) {
          log.error(`${error.message}; Telegram stays unheard until the bot is restarted`);
          return;
        }
        this.failedLate = describeFailure(error, this.bot.token);
        log.error({ err: error }, 'telegram could not start once Telegram answered; restart the bot');
      });
  }

  /** Serves once Telegram has answered: menus, what an earlier run left, then the webhook or long polling. */
  private async serve(
    me: UserFromGetMe,
    webhook: { url: string; secret: string } | undefined,
  ): Promise<void> {
    const { log, config } = this.options;
    this.bot.botInfo = me;
    const specs = this.options.commands.registry.specs;
    await registerSharedMenus(this.bot.api, specs, log);
    // Reached in the background, the bot may have been stopped meanwhile: nothing may start after its stop.
    if (this.stopping.signal.aborted) return;
    // Admins' own menus are a call per admin and language: they must not hold up serving everyone.
    this.adminMenus = registerAdminMenus(this.bot.api, specs, config.adminIds, log, this.stopping.signal);
    this.handleLeftovers();
    if (this.webhook && webhook) {
      await this.startWebhook(this.webhook, webhook.url, webhook.secret);
      return;
    }
    const health = new PollHealth(this.options.pollUnhealthyMs, Date.now, this.bot.token);
    this.polling = startPolling(this.bot, log, {
      retryMs: this.options.pollRetryMs,
      health,
      received: (updates) => this.inbox.received(updates),
    });
    log.info({ bot: this.bot.botInfo.username }, 'telegram connected (long polling)');
  }

  /**
   * Hands what an earlier run took and did not finish (inbox.ts) to the handlers before anything new arrives; a
   * chat's updates are handled in order (sequentialize), so a new one waits for its chat's leftovers. Telegram's own
   * second delivery of one (it was never confirmed) is then a repeat, given-up ones included; their senders are told.
   */
  private handleLeftovers(): void {
    const { replay, givenUp, answered } = this.inbox.leftovers();
    // Marks them as seen in this run.
    for (const { updateId } of givenUp) this.repeats.firstDelivery(updateId);
    for (const updateId of answered) this.repeats.firstDelivery(updateId);
    const told = givenUp.flatMap(({ update }) => (update ? [update] : []));
    if (told.length > 0) {
      const serves = (chatId: number) => this.allowlist?.serves(chatId) ?? true;
      const { commands, log } = this.options;
      const deps = { api: this.bot.api, me: this.bot.botInfo, commands, repeats: this.repeats, serves, log };
      void this.handlers.track(tellGivenUp(deps, told));
    }
    for (const update of replay)
      void this.bot
        .handleUpdate(update)
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'telegram update failed'));
  }

  /** The webhook's server, answering 503 "starting" until `startWebhook` opens it. */
  private listenWebhook(secret: string): Promise<WebhookServer> {
    const { config, log } = this.options;
    const { webhookHost: host, webhookPort, webhookPath: path } = config.telegram;
    const port = this.options.webhookPort ?? webhookPort;
    return serveWebhook(
      this.bot,
      { host, port, path, secretToken: secret, defaultLocale: config.defaultLocale },
      log,
    );
  }

  /**
   * Serves the updates posted to the server listening since the start, then tells Telegram where to post, so no
   * update is sent to a closed port. Pending updates are kept, as in polling mode. A setWebhook that fails (Telegram
   * unreachable again, a 5xx, a DNS hiccup on its side) is said once in the log and tried again in the background,
   * as getMe is (TelegramReach), `health()` naming it until Telegram takes it; a refused token ends it.
   */
  private async startWebhook(server: WebhookServer, url: string, secret: string): Promise<void> {
    const { config, log } = this.options;
    const { webhookHost, webhookPath } = config.telegram;
    server.open();
    const registration = webhookRegistration(this.bot.api, url, secret, this.stopping.signal);
    this.registration = registration;
    const registered = () => {
      const { webhookCheckMs } = this.options;
      this.webhookWatch = watchWebhook(
        this.bot.api,
        url,
        () => server.listening,
        webhookCheckMs,
        log.warn.bind(log),
      );
      const where = { host: webhookHost, port: server.port, path: webhookPath };
      log.info({ bot: this.bot.botInfo.username, ...where }, 'telegram connected (webhook)');
    };
    const first = await registration.try(FIRST_TRY_MS);
    if (first !== undefined) return registered();
    if (this.stopping.signal.aborted) return;
    const retryMs = this.options.pollRetryMs ?? POLL_RETRY_MS;
    log.warn(
      { retryS: retryMs / 1000 },
      `Telegram did not take the webhook (${registration.problem}); the bot keeps trying (${retryMs / 1000} s apart at first, then longer, up to a minute); /readyz names telegram until it does`,
    );
    this.registering = registration
      .keepTrying(retryMs)
      .then((done) => (done === undefined || this.stopping.signal.aborted ? undefined : registered()))
      .catch((error: unknown) => {
        log.error(
          `${describeFailure(error, this.bot.token)}; Telegram stays unheard until the bot is restarted`,
        );
      });
  }

  /**
   * Stops taking updates, then finishes what was taken (handlers in flight, albums still gathering), while job events
   * still reach their messages; then ends the jobs' flood waits and waits for their endings, all within STOP_WAIT_MS,
   * so the store closes after them. The worker has drained by then: a new request the queue refuses for that is set
   * aside for the next start (inbox.ts `postpone`), its sender told so. What is not finished by then (Telegram will
   * not send it again) stays in the inbox and is handled at the next start. In webhook mode the webhook stays
   * registered: Telegram keeps the updates that arrive meanwhile and delivers them after a restart.
   */
  async stop(): Promise<void> {
    const deadline = Date.now() + STOP_WAIT_MS;
    this.stopping.abort();
    this.webhookWatch?.stop();
    const runner = this.polling?.runner;
    const intake = this.webhook
      ? this.webhook.close()
      : runner?.isRunning()
        ? runner.stop()
        : Promise.resolve();
    // After the handlers: an album's last items may have waited behind a slow update of their chat. Past the
    // deadline no new work starts: the store is about to close.
    if (await this.handlers.settle(deadline)) this.albums.flush();
    else
      this.options.log.warn(
        { albums: this.albums.size },
        'telegram albums left for the next start: handlers ran late',
      );
    if (!(await this.handlers.settle(deadline)))
      this.options.log.warn(
        { handlers: this.handlers.size },
        'telegram handlers still running at stop: their updates are handled again at the next start',
      );
    // The store closes next: what still runs leaves its update kept, and Telegram keeps what comes from now on.
    this.webhook?.refuseUpdates();
    this.inbox.close();
    this.unsubscribe?.();
    await this.jobMessages.stop(deadline);
    await settleBy(Promise.all([intake, this.adminMenus, this.connecting, this.registering]), deadline);
  }

  private context(ctx: Context): CommandContext {
    const extras = { pressedAs: this.repeats.pressedAs(ctx), replaces: this.replacing.get(ctx) };
    return contextOf(this.options.commands, ctx, extras);
  }

  private async guard(ctx: Context, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      const locale = this.context(ctx).locale;
      // A request the next start runs (set aside, or its handling outlived the stop): what failed now is no failure
      // of it, and "try again" would have it run twice.
      const setAside = this.inbox.waitsForNextStart(ctx);
      const refusal = error instanceof UserInputError ? error.key : 'errors.generic';
      const key = setAside ? 'job.postponed_restart' : refusal;
      const params = error instanceof UserInputError ? error.params : {};
      if (!setAside) this.replies.noteRefusal(ctx);
      // Held back (answers-begun.ts): the next start answers; the notice that it waits goes instead.
      if (!(error instanceof UserInputError) && !(error instanceof AnswerHeldBack))
        this.options.log.warn({ err: error }, 'telegram handler failed');
      const text = t(locale, key, params);
      if (ctx.callbackQuery) await tellPresser(ctx, text);
      // In a group, the refusal names what it refuses by replying to it.
      else if (ctx.chat) await ctx.reply(text, replyingTo(ctx.msg)).catch(() => undefined);
    }
  }
}

function replyingTo(message: Message | undefined): object {
  return message
    ? { reply_parameters: { message_id: message.message_id, allow_sending_without_reply: true } }
    : {};
}
