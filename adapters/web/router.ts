// The playground's chat line → a commands call. Slash commands as on Telegram; a plain line with an image is an
// edit (or a describe when it is a question), a plain line without one is an imagine.
import type { CommandContext, Commands, InputImage, Reply } from '../../commands/index.js';
import { DIRECTIONS } from '../../commands/index.js';
import type { Upload } from './uploads.js';

function takeFlag(text: string, flag: string): { rest: string; value?: string } {
  const match = new RegExp(`(?:^|\\s)--${flag}\\s+(\\S+)`).exec(text);
  if (!match) return { rest: text };
  return {
    rest: (text.slice(0, match.index) + text.slice(match.index + match[0].length)).trim(),
    value: match[1],
  };
}

function isQuestion(text: string): boolean {
  return /[?？]\s*$/.test(text) || /^(what|who|where|how|why|which|describe|is|are|does|do)\b/i.test(text);
}

export async function route(commands: Commands, ctx: CommandContext, upload: Upload): Promise<Reply> {
  const raw = (upload.fields.text ?? '').trim();
  const image: InputImage | undefined = upload.files.image && {
    data: upload.files.image.data,
    filename: upload.files.image.filename,
  };
  const mask: InputImage | undefined = upload.files.mask && {
    data: upload.files.mask.data,
    filename: upload.files.mask.filename,
  };
  const reference: InputImage | undefined = upload.files.reference && {
    data: upload.files.reference.data,
    filename: upload.files.reference.filename,
  };
  const slash = /^\/(\w+)\s*([\s\S]*)$/.exec(raw);
  const name = slash?.[1]?.toLowerCase();
  const rest = slash ? (slash[2] ?? '').trim() : raw;
  const needImage = (): InputImage => {
    if (!image) throw new MissingImage();
    return image;
  };
  try {
    switch (name) {
      case 'imagine':
      case 'draw':
        return commands.imagine(ctx, { prompt: rest });
      case 'describe':
        return commands.describe(ctx, { image: needImage(), question: rest || undefined });
      case 'edit': {
        const { rest: instruction, value: type } = takeFlag(rest, 'type');
        return commands.edit(ctx, { image: needImage(), instruction, type, reference });
      }
      case 'retouch': {
        const { rest: prompt, value: boxes } = takeFlag(rest, 'box');
        return commands.retouch(ctx, { image: needImage(), prompt, boxes, mask });
      }
      case 'outpaint': {
        const zoom = takeFlag(rest, 'zoom');
        const pan = takeFlag(zoom.rest, 'pan');
        const direction = DIRECTIONS.find((d) => d === pan.value);
        return commands.outpaint(ctx, {
          image: needImage(),
          prompt: pan.rest,
          zoom: zoom.value === undefined ? undefined : Number(zoom.value),
          direction,
        });
      }
      case 'queue':
        return commands.queueStatus(ctx);
      case 'cancel':
        return commands.cancel(ctx, rest || undefined);
      case 'settings':
        return commands.settings(ctx);
      case 'help':
      case 'start':
        return commands.help(ctx);
      case undefined:
        if (image && mask) return commands.retouch(ctx, { image, prompt: rest, mask });
        if (image)
          return isQuestion(rest) || rest === ''
            ? commands.describe(ctx, { image, question: rest || undefined })
            : commands.edit(ctx, { image, instruction: rest, reference });
        return commands.imagine(ctx, { prompt: rest });
      default:
        return { text: [{ key: 'web.unknown_command', params: { command: `/${name}` } }], ephemeral: true };
    }
  } catch (error) {
    if (error instanceof MissingImage)
      return { text: [{ key: 'web.needs_image', params: { command: `/${name}` } }], ephemeral: true };
    throw error;
  }
}

class MissingImage extends Error {}
