// The platform-neutral operations adapters call. Adapters build one `Commands` with the queue, the store and the
// config, make a `CommandContext` per incoming event with `context()`, and subscribe to rendered job updates.
// This class is only the facade: each operation lives in a small module (generate, follow-ups, buttons,
// queue-commands, settings-command, help-command, run-text) as a function of the shared deps and the context,
// and every call passes through one error boundary (guard.ts).
import type { Job } from '../src/jobs/index.js';
import { pressButton } from './buttons.js';
import { type CommandContext, type ContextInput, makeContext, type Operation } from './context.js';
import { type CommandDeps, type CommandsOptions, createDeps } from './deps.js';
import { describeResult, editResult, originalFile, reroll, variations, zoomOut } from './follow-ups.js';
import { describe, edit, imagine, outpaint, retouch } from './generate.js';
import { guard } from './guard.js';
import { help } from './help-command.js';
import { type HistoryPage, history, jobFile } from './history.js';
import type {
  DescribeInput,
  EditInput,
  ImagineInput,
  InputImage,
  OutpaintInput,
  RetouchInput,
} from './inputs.js';
import { subscribeRendered } from './job-updates.js';
import { UserInputError } from './prompt.js';
import { cancel, queueStatus, withUndeliveredNotice } from './queue-commands.js';
import type { Reply } from './reply.js';
import { replyToImage, runChatLine, runText, type TextImages } from './run-text.js';
import type { SettingsChanges } from './settings.js';
import { settings } from './settings-command.js';

export type { CommandContext, ContextInput } from './context.js';
export type { CommandsConfig, CommandsOptions } from './deps.js';
export type { HistoryEntry, HistoryPage } from './history.js';
export type { TextImages } from './run-text.js';

/** A rendered job update for subscribers; `queued` is not sent (the submitting call returns that reply). */
export type JobUpdateListener = (update: { job: Job; reply: Reply }) => void;

export class Commands {
  private readonly deps: CommandDeps;

  constructor(options: CommandsOptions) {
    this.deps = createDeps(options);
  }

  /** Locale order as grammY's i18n: the user's stored choice, then the platform's tag, then the default. */
  context(input: ContextInput): CommandContext {
    return makeContext(this.deps, input);
  }

  /**
   * Rendered job updates (position, started, progress, done, failed, cancelled) for the adapter to show, in event
   * order per job: a preview still being encoded never lands after the final result.
   */
  subscribe(listener: JobUpdateListener): () => void {
    return subscribeRendered(this.deps, listener);
  }

  imagine(ctx: CommandContext, input: ImagineInput): Promise<Reply> {
    return this.run(imagine, ctx, input);
  }

  edit(ctx: CommandContext, input: EditInput): Promise<Reply> {
    return this.run(edit, ctx, input);
  }

  retouch(ctx: CommandContext, input: RetouchInput): Promise<Reply> {
    return this.run(retouch, ctx, input);
  }

  outpaint(ctx: CommandContext, input: OutpaintInput): Promise<Reply> {
    return this.run(outpaint, ctx, input);
  }

  describe(ctx: CommandContext, input: DescribeInput): Promise<Reply> {
    return this.run(describe, ctx, input);
  }

  /** The same request again with a new seed; inputs are copied from the original job. */
  reroll(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.run(reroll, ctx, jobId);
  }

  /** Same prompt, new seed, temperature ≥ 1 (a re-roll of a temperature-0 job would repeat the image). */
  variations(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.run(variations, ctx, jobId);
  }

  /** An edit of a finished job's result (the Edit button's modal or reply answer). */
  editResult(ctx: CommandContext, jobId: string, instruction: string): Promise<Reply> {
    return this.run(editResult, ctx, { jobId, instruction });
  }

  describeResult(ctx: CommandContext, jobId: string, question?: string): Promise<Reply> {
    return this.run(describeResult, ctx, { jobId, question });
  }

  /** Zoom out ×1.5 around a finished result, with its prompt. */
  zoomOut(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.run(zoomOut, ctx, jobId);
  }

  /** The lossless PNG of a result, as a file. */
  originalFile(ctx: CommandContext, jobId: string): Promise<Reply> {
    return this.run(originalFile, ctx, jobId);
  }

  /** Cancels a job (the user's latest waiting or running one when no id is given). */
  cancel(ctx: CommandContext, jobId?: string): Promise<Reply> {
    return this.run(cancel, ctx, jobId);
  }

  queueStatus(ctx: CommandContext): Promise<Reply> {
    return this.run(queueStatus, ctx, undefined);
  }

  /** Shows the user's defaults, after applying `changes` when given. */
  settings(ctx: CommandContext, changes?: SettingsChanges): Promise<Reply> {
    return this.run(settings, ctx, changes);
  }

  help(ctx: CommandContext): Promise<Reply> {
    return this.run(help, ctx, undefined);
  }

  /** Dispatches a button press (`<action>:<jobId>`). */
  pressButton(ctx: CommandContext, id: string): Promise<Reply> {
    return this.run(pressButton, ctx, id);
  }

  /** A text reply to an image (or to the bot's result): a question describes it, anything else edits it. */
  replyToImage(
    ctx: CommandContext,
    input: { image: InputImage; text: string; reference?: InputImage },
  ): Promise<Reply> {
    return this.run(replyToImage, ctx, input);
  }

  /**
   * Runs a command typed as text with the images that came with it (a list: first = the image, second = the mask
   * or reference; or named). Undefined when the text is not one of our commands, so the adapter can ignore it.
   */
  runText(
    ctx: CommandContext,
    text: string,
    images: TextImages = [],
    botUsername?: string,
  ): Promise<Reply | undefined> {
    return guard(this.deps, ctx, () => runText(this.deps, ctx, { text, images, botUsername })).then(
      (reply) => (reply ? withUndeliveredNotice(this.deps, ctx, reply) : reply),
    );
  }

  /**
   * A line of a conversation where every line is for the bot (the playground): a typed command, or a plain line
   * (an edit, describe or retouch of the attached image, an imagine without one). Undefined for an unknown
   * `/command`.
   */
  runChatLine(ctx: CommandContext, text: string, images: TextImages = {}): Promise<Reply | undefined> {
    return guard(this.deps, ctx, () => runChatLine(this.deps, ctx, { text, images }));
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
      if (error instanceof UserInputError || (error as NodeJS.ErrnoException).code === 'ENOENT')
        return undefined;
      throw error;
    }
  }

  private run<I>(operation: Operation<I>, ctx: CommandContext, input: I): Promise<Reply> {
    return guard(this.deps, ctx, () => operation(this.deps, ctx, input)).then((reply) =>
      withUndeliveredNotice(this.deps, ctx, reply),
    );
  }
}
