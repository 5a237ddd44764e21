// Commands that arrive as typed text rather than as a platform's structured command: `/imagine a fox` in a
// Telegram message or the playground's chat line, a reply to an image, a plain line to the bot. The text is
// parsed by text-commands.ts and dispatched to the same operations the structured commands call.
import type { CommandContext, Operation } from './context.js';
import type { CommandDeps } from './deps.js';
import { describe, edit, imagine, outpaint, retouch } from './generate.js';
import { help } from './help-command.js';
import type { InputImage } from './inputs.js';
import { cancel, queueStatus } from './queue-commands.js';
import { type Reply, textReply } from './reply.js';
import { settings } from './settings-command.js';
import {
  isQuestion,
  parseSettingsText,
  parseTextCommand,
  splitEditText,
  splitOutpaintText,
  splitRetouchText,
} from './text-commands.js';

/** Images a platform tells apart (the playground's upload fields). */
export interface NamedImages {
  image?: InputImage;
  /** White = redraw, for a /retouch or a plain line with a mask. */
  mask?: InputImage;
  /** The second image of an /edit (style or subject reference). */
  reference?: InputImage;
}

/**
 * The images that came with a text. Platforms that send images in order give a list (first = the image, second =
 * the mask of a /retouch or the reference of an /edit); the playground names each one.
 */
export type TextImages = readonly InputImage[] | NamedImages;

export interface TextInput {
  text: string;
  images?: TextImages;
  /** Commands addressed to another bot (`/imagine@otherbot`) are not ours. */
  botUsername?: string;
}

const NEEDS_IMAGE = new Set(['edit', 'describe', 'retouch', 'outpaint']);

function named(images: TextImages = []): NamedImages {
  if (!('length' in images)) return images;
  const [image, second] = images;
  return { image, mask: second, reference: second };
}

/** A command typed as text; undefined when the text is not one of our commands, so the adapter can ignore it. */
export async function runText(
  deps: CommandDeps,
  ctx: CommandContext,
  { text, images, botUsername }: TextInput,
): Promise<Reply | undefined> {
  const command = parseTextCommand(text, botUsername);
  if (!command) return undefined;
  const { name, args } = command;
  const { image, mask, reference } = named(images);
  if (NEEDS_IMAGE.has(name) && !image) return textReply(deps.imageMissingKey, { command: `/${name}` });
  const img = image as InputImage;
  switch (name) {
    case 'imagine':
      return imagine(deps, ctx, { prompt: args });
    case 'edit':
      return edit(deps, ctx, { image: img, ...splitEditText(args), ...(reference ? { reference } : {}) });
    case 'describe':
      return describe(deps, ctx, { image: img, question: args });
    case 'retouch':
      return retouch(deps, ctx, { image: img, ...splitRetouchText(args), ...(mask ? { mask } : {}) });
    case 'outpaint':
      return outpaint(deps, ctx, { image: img, ...splitOutpaintText(args) });
    case 'queue':
      return queueStatus(deps, ctx);
    case 'cancel':
      return cancel(deps, ctx, args || undefined);
    case 'settings': {
      const { changes, unknown } = parseSettingsText(args);
      if (unknown.length > 0) return textReply('errors.settings.unknown', { option: unknown.join(', ') });
      // Typed, so the answer says how to type a change (a platform's own options form needs no such line).
      const reply = await settings(deps, ctx, changes);
      return { ...reply, text: [...reply.text, { key: 'settings.how' }] };
    }
    default:
      return help(deps, ctx);
  }
}

/** A text reply to an image (or to the bot's result): a question describes it, anything else edits it. */
export const replyToImage: Operation<{ image: InputImage; text: string; reference?: InputImage }> = async (
  deps,
  ctx,
  { image, text, reference },
) =>
  isQuestion(text)
    ? describe(deps, ctx, { image, question: text })
    : edit(deps, ctx, { image, instruction: text, ...(reference ? { reference } : {}) });

/**
 * A line in a conversation where every line is for the bot (the playground): a typed command; else, with an
 * image, a retouch when a mask came too, a describe when the line is a question or empty, an edit otherwise;
 * without an image, an imagine. Undefined only for a `/command` that is not ours.
 */
export async function runChatLine(
  deps: CommandDeps,
  ctx: CommandContext,
  { text, images }: Omit<TextInput, 'botUsername'>,
): Promise<Reply | undefined> {
  const line = text.trim();
  if (line.startsWith('/')) return runText(deps, ctx, { text: line, images });
  const { image, mask, reference } = named(images);
  if (image && mask) return retouch(deps, ctx, { image, prompt: line, mask });
  if (image && line === '') return describe(deps, ctx, { image });
  if (image) return replyToImage(deps, ctx, { image, text: line, reference });
  // "hello there" is more often a greeting than a prompt: say how to draw, unless the user asked for this.
  if (ctx.settings.plainImagine !== true) return textReply('chat.plain_hint', { text: line.slice(0, 80) });
  return imagine(deps, ctx, { prompt: line });
}
