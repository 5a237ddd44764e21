// The one registry of commands: each is a folder with its spec (spec.ts) and handler (handler.ts). Adapters,
// the text parser and /help derive everything from `specs`; `run` validates a call against the spec once and
// hands the handler typed options.
import type { z } from 'zod';
import { block, unblock } from './block/handler.js';
import { blockSpec, unblockSpec } from './block/spec.js';
import { cancel } from './cancel/handler.js';
import { cancelSpec } from './cancel/spec.js';
import { type CommandContext, type OptionLabel, optionLabels } from './context.js';
import type { CommandDeps } from './deps.js';
import { describe } from './describe/handler.js';
import { describeSpec } from './describe/spec.js';
import { edit } from './edit/handler.js';
import { editSpec } from './edit/spec.js';
import { UserInputError } from './errors.js';
import { help } from './help/handler.js';
import { helpSpec, startSpec } from './help/spec.js';
import { imagine } from './imagine/handler.js';
import { imagineSpec } from './imagine/spec.js';
import { info } from './info/handler.js';
import { infoSpec } from './info/spec.js';
import { type JobMaker, queueJobs } from './job-command.js';
import { outpaint } from './outpaint/handler.js';
import { outpaintSpec } from './outpaint/spec.js';
import { prefer } from './prefer/handler.js';
import { preferSpec } from './prefer/spec.js';
import { queueStatus } from './queue/handler.js';
import { queueSpec } from './queue/spec.js';
import type { Reply } from './reply.js';
import { retouch } from './retouch/handler.js';
import { retouchSpec } from './retouch/spec.js';
import { settings } from './settings/handler.js';
import { settingsSpec } from './settings/spec.js';
import type { CommandSpec } from './spec.js';
import { validateOptions } from './validate.js';

export interface RegisteredCommand {
  spec: CommandSpec;
  /**
   * Validates `raw` (options and images by option name) against the spec, then runs the handler; `labels` name the
   * options as the user gave them (`CommandCall.labels`).
   */
  run(
    deps: CommandDeps,
    ctx: CommandContext,
    raw: Readonly<Record<string, unknown>>,
    labels?: Readonly<Record<string, string>>,
  ): Promise<Reply>;
}

/** A command's handler: its options validated, `label` naming them as the user gave them in its own refusals. */
export type CommandHandler<I> = (
  deps: CommandDeps,
  ctx: CommandContext,
  input: I,
  label: OptionLabel,
) => Promise<Reply>;

/** Binds a handler to its spec: it only ever sees options that passed the spec's schema. */
export function defineCommand<S extends z.ZodObject>(
  spec: CommandSpec<S>,
  handler: CommandHandler<z.output<S>>,
): RegisteredCommand {
  return {
    spec,
    run: async (deps, ctx, raw, labels) => {
      if (spec.adminOnly && !ctx.isAdmin) throw new UserInputError('errors.admin_only');
      const { imageMissingKey } = deps.profile(ctx.user.platform);
      const label = optionLabels(labels);
      const input = validateOptions(spec, raw, imageMissingKey, label);
      return handler(deps, ctx, input, label);
    },
  };
}

/**
 * Binds a job-making handler to its spec: it says what to queue for options that passed the schema, and queueing
 * (one job, or one per line of the spec's `permutes` option) is `queueJobs`'.
 */
export function defineJobCommand<S extends z.ZodObject>(
  spec: CommandSpec<S>,
  make: JobMaker<z.output<S>>,
): RegisteredCommand {
  return defineCommand(spec, (deps, ctx, input, label) =>
    queueJobs(deps, ctx, input, spec.permutes, (lineDeps, lineCtx, line) =>
      make(lineDeps, lineCtx, line, label),
    ),
  );
}

export class CommandRegistry {
  readonly specs: readonly CommandSpec[];

  constructor(readonly commands: readonly RegisteredCommand[]) {
    this.specs = commands.map((c) => c.spec);
  }

  /** The command a name or Telegram alias names, an alias resolved to what it runs. */
  find(name: string): RegisteredCommand | undefined {
    const named = this.commands.find((c) => c.spec.name === name || c.spec.telegramAliases?.includes(name));
    const target = named?.spec.aliasOf;
    return target ? this.commands.find((c) => c.spec.name === target) : named;
  }
}

export const COMMAND_REGISTRY = new CommandRegistry([
  defineJobCommand(imagineSpec, imagine),
  defineJobCommand(editSpec, edit),
  defineCommand(describeSpec, describe),
  defineJobCommand(retouchSpec, retouch),
  defineJobCommand(outpaintSpec, outpaint),
  defineCommand(queueSpec, queueStatus),
  defineCommand(infoSpec, info),
  defineCommand(cancelSpec, cancel),
  defineCommand(settingsSpec, settings),
  defineCommand(preferSpec, prefer),
  defineCommand(blockSpec, block),
  defineCommand(unblockSpec, unblock),
  defineCommand(helpSpec, help),
  defineCommand(startSpec, help),
]);

/** The specs of the bot's commands, in the order platforms list them. */
export const COMMANDS = COMMAND_REGISTRY.specs;

/** The spec a command word names (by name or Telegram alias), aliases left as they are. */
export function findCommand(name: string, specs: readonly CommandSpec[] = COMMANDS): CommandSpec | undefined {
  return specs.find((c) => c.name === name || c.telegramAliases?.includes(name));
}
