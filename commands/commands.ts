// The platform-neutral entry adapters call. The composition root builds one `Commands` for every adapter; each
// makes a `CommandContext` per incoming event with `context()`, runs commands by name with `run` (validated once
// against the command's spec), and subscribes to its platform's rendered job updates. Every call passes one error
// boundary (guard.ts), so an adapter never sees a thrown error from a command. What a user typed enters well-formed
// (`wellFormed`): half a surrogate pair from a web client's JSON never reaches the store or a reply.
import { type Platform, type Scope, StoredFileLost } from '../src/jobs/index.js';
import { BlockGate } from './blocked.js';
import { pressButton } from './buttons.js';
import { chatMoved, movesOf } from './chat-moves.js';
import { type CommandContext, type ContextInput, makeContext } from './context.js';
import { type CommandDeps, type CommandsOptions, createDeps } from './deps.js';
import { UserInputError } from './errors.js';
import { customZoom, editResult, withoutCommandName } from './follow-ups.js';
import { guard } from './guard.js';
import { type HistoryPage, history, jobFile } from './history.js';
import { type JobUpdateListener, JobUpdates } from './job-updates.js';
import { pressedBy } from './pressed-by.js';
import { wellFormed } from './quoted-text.js';
import { COMMAND_REGISTRY, type CommandRegistry } from './registry.js';
import type { AskKind, Reply, ReplyText } from './reply.js';
import { imagineLatestAgain, isRerunLine, remixCommandOf, remixResult, replyToResult } from './rerun.js';
import {
  type CommandCall,
  type ImageLine,
  replyToImage,
  runChatLine,
  runCommand,
  runText,
  type TextImages,
  typedLine,
} from './run-text.js';
import { imageSlots } from './spec.js';
import { type UnfinishedJob, unfinishedIn } from './stored-jobs.js';
import { type Suggestion, suggestionsFor } from './suggestions.js';
import { parseTextCommand } from './text-grammar.js';
import { handOver, withUndeliveredNotice } from './undelivered.js';
import { retouchResult } from './vary-region.js';

export type { CommandContext, ContextInput } from './context.js';
export type { CommandsConfig, CommandsOptions, PlatformProfile } from './deps.js';
export type { HistoryEntry, HistoryPage } from './history.js';
export type { JobUpdateListener } from './job-updates.js';
export type { CommandCall, ImageLine, TextImages } from './run-text.js';
export type { UnfinishedJob } from './stored-jobs.js';
export type { Suggestion } from './suggestions.js';

export class Commands {
  private readonly deps: CommandDeps;
  private readonly updates: JobUpdates;
  /** The one check of a blocked user, at every entry below (`blocked.ts`). */
  private readonly gate: BlockGate;
  /** The commands, for adapters to derive their registration, option collection and menus from. */
  readonly registry: CommandRegistry;

  constructor(options: CommandsOptions) {
    this.registry = options.registry ?? COMMAND_REGISTRY;
    // Called only once an operation runs, after `updates` below is made.
    this.deps = createDeps(options, this.registry, (job, reply) => this.updates.restate(job, reply));
    this.updates = new JobUpdates(this.deps);
    this.gate = new BlockGate(this.deps);
  }

  /** Locale order as grammY's i18n: the user's stored choice, then the platform's tag, then the default. */
  context(input: ContextInput): CommandContext {
    return makeContext(this.deps, input);
  }

  /**
   * Rendered job updates (position, started, progress, done, failed, cancelled, paused) of one platform's jobs
   * (every job when none is named), in event order per job: a preview still being encoded never lands after the
   * result. A listener returns what it is still delivering, for the shutdown to wait for (`settleUpdates`).
   * `queued`: each job's `queued` too, for an adapter whose user has several pages open (the playground's tabs).
   */
  subscribe(listener: JobUpdateListener, platform?: Platform, options?: { queued?: boolean }): () => void {
    return this.updates.subscribe(listener, platform, options);
  }

  /**
   * At shutdown, once the worker stopped: resolves when every job event emitted so far is rendered and what the
   * listeners returned for it has settled (the adapters delivering it), after `timeoutMs` at most.
   */
  settleUpdates(timeoutMs: number): Promise<void> {
    return this.updates.settle(timeoutMs);
  }

  /** Before the database closes: job events are no longer rendered (a late one is dropped). */
  closeUpdates(): void {
    this.updates.close();
    this.deps.progress.close();
  }

  /** Runs a command by name with its options and images (by option name), validated against its spec. */
  run(ctx: CommandContext, call: CommandCall): Promise<Reply> {
    return this.guarded(ctx, () => runCommand(this.deps, ctx, call));
  }

  /** Dispatches a button press (`<action>:<jobId>`). */
  pressButton(ctx: CommandContext, id: string): Promise<Reply> {
    return this.guarded(ctx, () => pressButton(this.deps, pressedBy(ctx, id.split(':')[0] ?? id), id));
  }

  /**
   * The answer that started these jobs never reached their owner (the platform refused it for good): they are
   * cancelled, so the "try again" the owner is told is true and a second try does not run twice.
   */
  withdraw(ctx: CommandContext, jobIds: readonly string[]): void {
    for (const id of jobIds) this.deps.queue.cancel(id, ctx.user);
  }

  /**
   * A message holding these lines of a reply was sent (each adapter says so for every message it sent, through
   * adapters/shared/delivered.ts): the undelivered endings they deliver (`ReplyText.delivers`, a /queue answer) are
   * delivered, those they tell of (`tells`) told, and so are `jobs`, whose files a reply carried once all were sent
   * (`Reply.delivers`). Never before: a message the platform refused leaves them for the next /queue. Never throws:
   * the message was sent, whatever the store says.
   */
  delivered(ctx: CommandContext, lines: readonly ReplyText[], jobs: readonly string[] = []): void {
    try {
      handOver(this.deps, ctx, lines, jobs);
    } catch (error) {
      this.deps.log?.('warn', 'a delivery could not be recorded', { err: error });
    }
  }

  /**
   * The unfinished jobs of one scope (a server that removed the bot), each with when it is expected to end: for an
   * adapter to `withdraw` those whose ending could reach no one any more.
   */
  unfinishedIn(scope: Scope): UnfinishedJob[] {
    return unfinishedIn(this.deps, scope);
  }

  /**
   * A chat goes on under a new id (chat-moves.ts): what its own identity (`platform:fromId`, an anonymous admin's or
   * a channel's) holds is carried to `platform:toId` where that holds none. Said as often as the platform says it;
   * never throws: the chat goes on either way.
   */
  chatMoved(platform: Platform, fromId: string, toId: string): void {
    try {
      chatMoved(this.deps, platform, fromId, toId);
    } catch (error) {
      this.deps.log?.('warn', 'a moved chat could not be carried over', {
        err: error,
        platform,
        fromId,
        toId,
      });
    }
  }

  /**
   * The id a chat goes on under now, where it moved (`chatMoved`, every chat the platform said so of, kept in the
   * store across restarts); undefined where it never did. Never throws: a store that cannot say is no move known.
   */
  movedTo(platform: Platform, id: string): string | undefined {
    try {
      return movesOf(this.deps, platform, id).at(-1);
    } catch (error) {
      this.deps.log?.('warn', 'where a chat moved could not be read', { err: error, platform, id });
      return undefined;
    }
  }

  /**
   * The answer to an Edit button's question: an edit of that job's result. `botUsername` (where the platform
   * addresses commands to a bot by name, as `runText`'s): `/edit@it …` typed is the answer without its name.
   */
  editResult(ctx: CommandContext, jobId: string, instruction: string, botUsername?: string): Promise<Reply> {
    return this.guarded(ctx, () =>
      editResult(this.deps, pressedBy(ctx, 'edit'), {
        jobId,
        instruction: withoutCommandName(this.deps, wellFormed(instruction), 'edit', botUsername),
      }),
    );
  }

  /**
   * The answer to a `Reply.ask`: an edit of the job's result, or (Remix) its changed /imagine line. `botUsername`
   * as `editResult`'s: without it, only a bare `/imagine` typed first is the command's name.
   */
  answerAsk(
    asker: CommandContext,
    kind: AskKind,
    jobId: string,
    typed: string,
    botUsername?: string,
  ): Promise<Reply> {
    // Typed with the name of the command it runs (`/imagine a fox` into Remix), the name is no word of the answer.
    const answer = withoutCommandName(
      this.deps,
      wellFormed(typed),
      this.answerRuns(kind, jobId),
      botUsername,
    );
    const ctx = pressedBy(asker, kind);
    return this.guarded(ctx, () => {
      if (kind === 'imagine_line') return remixResult(this.deps, ctx, { jobId, line: answer });
      if (kind === 'zoom_line') return customZoom(this.deps, ctx, { jobId, line: answer });
      if (kind === 'region_line') return retouchResult(this.deps, ctx, { jobId, line: answer });
      return editResult(this.deps, ctx, { jobId, instruction: answer });
    });
  }

  /**
   * The command an answer of `kind` to `jobId`'s question runs (`imagine` for an /imagine's Remix, `outpaint` for
   * Custom zoom …), or undefined where none or the job is gone: an answer typed as that command (`/imagine a fox`
   * in reply to Remix's question) is the answer, its name dropped, not a fresh command.
   */
  answerRuns(kind: AskKind, jobId: string): string | undefined {
    if (kind === 'zoom_line') return 'outpaint';
    if (kind === 'region_line') return 'retouch';
    if (kind === 'edit_instruction') return 'edit';
    try {
      return remixCommandOf(this.deps.store, jobId);
    } catch {
      // The job's result is gone: the answer will say so; a command typed in reply runs as it is.
      return undefined;
    }
  }

  /**
   * A text reply to one of our results (`resultJobOf` its buttons): a typed command runs (on the result where it
   * requires an image), a question describes it, anything else edits it, from the stored lossless PNG rather than
   * the copy the platform shows.
   */
  replyToResult(ctx: CommandContext, jobId: string, text: string): Promise<Reply> {
    return this.guarded(ctx, () => replyToResult(this.deps, ctx, { jobId, text: wellFormed(text) }));
  }

  /**
   * A text said to an image (a reply to it, a caption, a mention with one): a command it names runs (with the
   * image where the command takes it: a replied-to one only where required), a question describes it, anything
   * else edits it.
   */
  replyToImage(ctx: CommandContext, input: ImageLine): Promise<Reply> {
    return this.guarded(ctx, () => replyToImage(this.deps, ctx, { ...input, text: wellFormed(input.text) }));
  }

  /**
   * How the command a line said to the bot names (`/edit …` typed, `imagine …` spoken) takes images (spec.ts
   * `imageSlots`), and that line as typed (`/imagine …`, for `runText` when no image it was said to is taken);
   * undefined for a line naming none (an instruction or a question, about the one image it is said to, replied-to
   * or its own).
   */
  imageSlotsOf(text: string): { own: number; replied: boolean; line: string } | undefined {
    const typed = typedLine(this.deps, text);
    return typed && { ...imageSlots(typed.spec), line: typed.line };
  }

  /**
   * Runs a command typed as text with the images that came with it (a list: first = the image, second = the mask
   * or reference; or by option name). Undefined when the text is not one of our commands, so the adapter can
   * ignore it. `offered`: how many images came with it, where the adapter fetched only those the command takes.
   */
  async runText(
    ctx: CommandContext,
    text: string,
    images: TextImages = [],
    botUsername?: string,
    offered?: number,
  ): Promise<Reply | undefined> {
    // Only a command of ours is refused: a blocked user's other lines (group chatter) are no one's business here.
    if (parseTextCommand(this.registry.specs, text, botUsername)) {
      const refusal = this.gate.refusal(ctx);
      if (refusal) return refusal.silent ? undefined : refusal;
    }
    const input = { text: wellFormed(text), images, botUsername, offered };
    const reply = await guard(this.deps, ctx, () => runText(this.deps, ctx, input));
    return reply ? withUndeliveredNotice(this.deps, ctx, reply) : reply;
  }

  /**
   * The refusal any entry would give this event now (a blocked user's, `silent` within its quiet time), or
   * undefined. For an adapter with costly work to do before it calls an entry (downloading the user's images): when
   * refused, it answers with this instead of calling one. Asking counts as saying it, as an entry's refusal does.
   */
  refusal(ctx: CommandContext): Reply | undefined {
    return this.gate.refusal(ctx);
  }

  /**
   * A line of a conversation where every line is for the bot (the playground): a typed command, or a plain line
   * (an edit, describe or retouch of the attached image, an imagine without one; without one, `..` makes the
   * user's latest /imagine again with its changes). Undefined for an unknown `/command`.
   */
  runChatLine(ctx: CommandContext, typed: string, images: TextImages = {}): Promise<Reply | undefined> {
    const refusal = this.gate.refusal(ctx);
    if (refusal) return Promise.resolve(refusal.silent ? undefined : refusal);
    const text = wellFormed(typed);
    const imageless = Object.values(images).every((image) => image === undefined);
    return guard(this.deps, ctx, () =>
      imageless && isRerunLine(text)
        ? imagineLatestAgain(this.deps, ctx, text)
        : runChatLine(this.deps, ctx, { text, images }),
    );
  }

  /**
   * What to offer while `option` of `command` is being typed (Discord's autocomplete): the user's own jobs or
   * custom options holding the typed text. Never throws: a failure offers nothing, and the user types on.
   */
  suggest(ctx: CommandContext, command: string, option: string, typed: string): Suggestion[] {
    const spec = this.registry.find(command)?.spec;
    if (!spec || this.gate.blocked(ctx)) return [];
    try {
      return suggestionsFor(this.deps, ctx, spec, option, typed);
    } catch (error) {
      this.deps.log?.('warn', 'suggestions failed', { err: error, command, option });
      return [];
    }
  }

  /** The user's jobs as a conversation, newest first, one page at a time (`before` from the previous page). */
  history(ctx: CommandContext, page: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    return history(this.deps, ctx, page);
  }

  /**
   * One stored file of the user's own job (an input or the result, the latter with its parameters in a PNG text
   * chunk); undefined when it is not theirs or does not exist.
   */
  jobFile(
    ctx: CommandContext,
    jobId: string,
    file: string,
  ): { data: Uint8Array; mime: string; filename: string } | undefined {
    try {
      return jobFile(this.deps, ctx, { jobId, file });
    } catch (error) {
      if (error instanceof UserInputError || error instanceof StoredFileLost) return undefined;
      throw error;
    }
  }

  /** Every entry but typed lines: a blocked user's event is refused here, before any of it runs. */
  private guarded(ctx: CommandContext, work: () => Promise<Reply>): Promise<Reply> {
    const refusal = this.gate.refusal(ctx);
    if (refusal) return Promise.resolve(refusal);
    return guard(this.deps, ctx, work).then((reply) => withUndeliveredNotice(this.deps, ctx, reply));
  }
}
