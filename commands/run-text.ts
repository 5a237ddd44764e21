// Commands that arrive as typed text rather than as a platform's structured command: `/imagine a fox` in a
// Telegram message or the playground's chat line, a reply to an image, a plain line to the bot. The words become
// options by the command's spec (text-grammar.ts) and run through the same validation as structured commands.
import type { CommandContext, Operation } from './context.js';
import type { CommandDeps } from './deps.js';
import type { InputImage } from './inputs.js';
import { isQuestion } from './question.js';
import { isBlank, quoted } from './quoted-text.js';
import { type Reply, textReply } from './reply.js';
import { type CommandSpec, imageSlots, optionsOf } from './spec.js';
import { parseArgs, parseTextCommand } from './text-grammar.js';
import { noteLeftOut } from './unused-images.js';

/** Images a platform tells apart (the playground's upload fields), by option name. */
export type NamedImages = Readonly<Record<string, InputImage | undefined>>;

/**
 * The images that came with a text. Platforms that send images in order give a list (first = the command's first
 * image option, second = its next: the mask of a /retouch, the reference of an /edit); the playground names each.
 */
export type TextImages = readonly InputImage[] | NamedImages;

export interface TextInput {
  text: string;
  images?: TextImages;
  /** Commands addressed to another bot (`/imagine@otherbot`) are not ours. */
  botUsername?: string;
  /**
   * How many images came with the text, where the platform fetched only those the command takes (a Telegram
   * album): the answer says that the others were left out.
   */
  offered?: number;
}

/** What the caller asks of one command: its name, its options, and its images by option name. */
export interface CommandCall {
  name: string;
  options?: Readonly<Record<string, unknown>>;
  images?: Readonly<Record<string, InputImage | undefined>>;
  /**
   * The options as the user named them, for refusals: the flags of a typed line that set them
   * (`TypedOptions.labels`: `--pan` for `direction`), or the names a platform's form showed (Discord's for the
   * client's locale); absent, an option is named by its registered name.
   */
  labels?: Readonly<Record<string, string>>;
}

/** Runs one command: validated once against its spec, then its handler. */
export async function runCommand(deps: CommandDeps, ctx: CommandContext, call: CommandCall): Promise<Reply> {
  const command = deps.registry.find(call.name);
  if (!command) return textReply('errors.option.invalid', { option: `/${call.name}`, value: '' });
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries({ ...call.options, ...call.images })) {
    if (value !== undefined && value !== null) raw[name] = value;
  }
  return command.run(deps, ctx, raw, call.labels);
}

/** The images of a text, by the command's image options. */
function imagesFor(deps: CommandDeps, name: string, images: TextImages = []): Record<string, InputImage> {
  const spec = deps.registry.find(name)?.spec;
  const slots = spec ? optionsOf(spec).filter((o) => o.type === 'attachment') : [];
  const out: Record<string, InputImage> = {};
  if ('length' in images) {
    const [first, second] = images as readonly InputImage[];
    // A second image is whichever further image option the command has (a mask, a reference).
    if (first && slots[0]) out[slots[0].name] = first;
    for (const slot of slots.slice(1)) if (second) out[slot.name] = second;
    return out;
  }
  for (const slot of slots) {
    const image = (images as NamedImages)[slot.name];
    if (image) out[slot.name] = image;
  }
  return out;
}

/** A command typed as text; undefined when the text is not one of our commands, so the adapter can ignore it. */
export async function runText(
  deps: CommandDeps,
  ctx: CommandContext,
  { text, images = [], botUsername, offered = 0 }: TextInput,
): Promise<Reply | undefined> {
  const command = parseTextCommand(deps.registry.specs, text, botUsername);
  if (!command) return undefined;
  const spec = deps.registry.find(command.name)?.spec;
  if (!spec) return undefined;
  const { options, unknown, labels } = parseArgs(spec, command.args);
  if (unknown.length > 0) return textReply('errors.settings.unknown', { option: unknownNames(unknown) });
  // A user the words did not name is the author of the message this one replies to (Telegram's `/block` as a reply).
  for (const option of optionsOf(spec)) {
    if (option.type === 'user' && options[option.name] === undefined && ctx.repliedUser)
      options[option.name] = ctx.repliedUser;
  }
  const taken = imagesFor(deps, spec.name, images);
  const used = Object.keys(taken).length;
  const listed = 'length' in images ? (images as readonly InputImage[]) : undefined;
  const given = listed?.length ?? Object.values(images).filter(Boolean).length;
  const mask = !listed && maskLeftOut(images as NamedImages, taken);
  const noted = noteLeftOut(ctx, Math.max(given, offered), used, mask);
  const reply = await runCommand(deps, noted, { name: spec.name, options, images: taken, labels });
  // Typed, so the answer may say how to type a change (a platform's own options form needs no such line).
  const footer = spec.text?.footerKey;
  const done = spec.text?.noFooterAfter?.includes(reply.text[0]?.key ?? '') === true;
  return footer && !done ? { ...reply, text: [...reply.text, { key: footer }] } : reply;
}

/** The first few keys a line named that are no setting (each already quoted): a thousand would bury the answer. */
function unknownNames(keys: readonly string[]): string {
  const names = [...new Set(keys)];
  return names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
}

/** A drawn mask (the playground's) that the command took no place for. */
function maskLeftOut(images: NamedImages, taken: Record<string, InputImage>): boolean {
  return images.mask !== undefined && taken.mask === undefined;
}

/** An image a line is said to, and where it is: the message's own, or that of the message it replies to. */
export interface ImageLine {
  image: InputImage;
  text: string;
  reference?: InputImage;
  /** The image is the replied-to message's: only a command whose image is required takes it (spec.ts). */
  replied?: boolean;
  /** How many images came with the message, where more than `image` and `reference` (a Telegram album). */
  offered?: number;
}

/**
 * A text reply to an image (or a mention with one): a line naming one of our commands runs it with the image, as
 * the same line typed as a caption would (a replied-to image only where the command requires one); else a
 * question describes it, anything else edits it.
 */
export const replyToImage: Operation<ImageLine> = async (deps, ctx, line) => {
  const { image, text, reference, offered = 0 } = line;
  const typed = typedLine(deps, text);
  if (typed) {
    const takes = !line.replied || imageSlots(typed.spec).replied;
    const images = takes ? (reference ? [image, reference] : [image]) : [];
    const reply = await runText(deps, ctx, { text: typed.line, images, offered: takes ? offered : 0 });
    if (reply) return reply;
  }
  const noted = noteLeftOut(ctx, offered, reference ? 2 : 1);
  return isQuestion(text)
    ? runCommand(deps, noted, { name: 'describe', options: { question: text }, images: { image } })
    : runCommand(deps, noted, { name: 'edit', options: { instruction: text }, images: { image, reference } });
};

/**
 * The command a line addressed to the bot names: `/edit …` typed, or `imagine …` as Midjourney's users say it
 * (an instruction read as "imagine a red fox" would draw over the picture instead of drawing the fox with it).
 * Other verbs stay instructions: "draw a hat on him" is an edit.
 */
export function typedLine(deps: CommandDeps, text: string): { line: string; spec: CommandSpec } | undefined {
  const trimmed = text.trim();
  const spoken = /^imagine[\s:,]+(\S[\s\S]*)$/i.exec(trimmed);
  const line = spoken ? `/imagine ${spoken[1]}` : trimmed;
  const command = parseTextCommand(deps.registry.specs, line);
  const spec = command && deps.registry.find(command.name)?.spec;
  return spec ? { line, spec } : undefined;
}

/**
 * A line in a conversation where every line is for the bot (the playground): a typed command; else, with an
 * image, a retouch when a mask came too, a describe when the line is a question or empty, an edit otherwise;
 * without an image, an imagine. Undefined only for a `/command` that is not ours.
 */
export async function runChatLine(
  deps: CommandDeps,
  ctx: CommandContext,
  { text, images = {} }: Omit<TextInput, 'botUsername'>,
): Promise<Reply | undefined> {
  const line = text.trim();
  if (line.startsWith('/')) return runText(deps, ctx, { text: line, images });
  const named =
    'length' in images ? { image: (images as readonly InputImage[])[0] } : (images as NamedImages);
  const { image, mask, reference } = named;
  if (image && mask)
    return runCommand(deps, ctx, { name: 'retouch', options: { prompt: line }, images: { image, mask } });
  if (image && isBlank(line)) return runCommand(deps, ctx, { name: 'describe', images: { image } });
  if (image) return replyToImage(deps, ctx, { image, text: line, reference });
  // "hello there" is more often a greeting than a prompt: say how to draw, unless the user asked for this.
  // A blank line (or one of invisible marks) has no words for the hint's example (`/imagine .`): the help's own.
  if (ctx.settings.plainImagine !== true)
    return isBlank(line) ? textReply('help.text') : textReply('chat.plain_hint', { text: quoted(line, 80) });
  return runCommand(deps, ctx, { name: 'imagine', options: { prompt: line } });
}
