// The playground's chat line → the commands layer. Parsing is the commands layer's (`runChatLine`): the same typed
// commands as on Telegram, and a plain line with an image edits it (describes it when it is a question, retouches
// it when a mask was drawn); a plain line without one is an imagine. Only an unknown `/command` is answered here,
// with the command it looks like a slip of where there is one.
import {
  type CommandContext,
  type Commands,
  commandWord,
  type InputImage,
  nearestCommand,
  quoted,
  type Reply,
  textReply,
} from '../../commands/index.js';
import type { Upload } from './uploads.js';

function fileOf(upload: Upload, field: 'image' | 'mask' | 'reference'): InputImage | undefined {
  const file = upload.files[field];
  return file && { data: file.data, filename: file.filename };
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function route(commands: Commands, ctx: CommandContext, upload: Upload): Promise<Reply> {
  const text = (upload.fields.text ?? '').trim();
  // The result the composer's picture came from (Vary (Region) puts it there): the new job shows it as its parent.
  const origin = upload.fields.origin;
  // Each job the line makes keeps it as typed (`typed`, commands/history-line.ts): the page shows the user's line
  // as they wrote it after a reload and in their other tabs, as it did live. Put on this context, not a copy: a
  // `/settings language` answer is said in the language it sets on it.
  ctx.meta = { ...ctx.meta, typed: text, ...(origin && JOB_ID.test(origin) ? { origin } : {}) };
  const reply = await commands.runChatLine(ctx, text, {
    image: fileOf(upload, 'image'),
    mask: fileOf(upload, 'mask'),
    reference: fileOf(upload, 'reference'),
  });
  if (reply) return reply;
  // Quoted as every refusal quotes typed words: bounded, cut between whole characters, no direction overrides.
  const command = quoted(text.trimStart().slice(0, 200).split(/\s/, 1)[0]?.toLowerCase() ?? '') || '/';
  // A slip of the keys (`/imagne`) is answered with the command meant, to put right in the line that comes back.
  const word = commandWord(text);
  const near = word && nearestCommand(commands.registry.specs, word, ctx.user.platform, ctx.isAdmin);
  return near
    ? textReply('web.unknown_command_near', { command, suggestion: `/${near}` })
    : textReply('web.unknown_command', { command });
}
