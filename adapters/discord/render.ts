// A platform-neutral Reply as a Discord message: translated content (≤ 2000 chars), files within the upload
// limit, button rows, and the ETA as a relative timestamp the client counts down by itself. An answer longer than
// one message (a /help, a long /queue, the first reply of a job) is sent as several (`partsOf`); a message that
// must stay one (a job's status message, edited in place) and is still longer carries its whole text as
// message.txt, as Discord's own client sends a long message.
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  type InteractionEditReplyOptions,
  MessageFlags,
} from 'discord.js';
import { fitImage, type Reply, type ReplyImage, type ReplyText, shortText } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';
import { replyParts } from '../shared/reply-parts.js';

/** Discord's longest message content, in UTF-16 units. */
export const CONTENT_LIMIT = 2000;

/** No @everyone, @here, role or user pings unless a message names whom it may ping. */
export const NO_MENTIONS = { parse: [] as [], repliedUser: false };

const STYLE = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
} as const;

/** Discord's most files on one message. */
const MAX_FILES = 10;

/** The ETA line a state counting down to its ETA ends with (the client shows it as "in 2 minutes"). */
function etaLine(reply: Reply): string | undefined {
  return reply.etaAt !== undefined && !reply.final ? `⏱ <t:${Math.ceil(reply.etaAt / 1000)}:R>` : undefined;
}

/**
 * `reply` as a Discord message; `prefix` goes before its text (a mention naming whom a result is for). Content over
 * 2000 characters is cut, and then the whole text comes with it as message.txt: cut alone, it would lose its end.
 */
export function toDiscordMessage(
  reply: Reply,
  locale: Locale,
  prefix = '',
): InteractionEditReplyOptions & { content: string } {
  const lines = reply.text.map((line) => t(locale, line.key, line.params ?? {}));
  const eta = etaLine(reply);
  const whole = prefix + (eta === undefined ? lines : [...lines, eta]).join('\n');
  // Cut between whole characters: half an emoji would reach the channel as a broken character.
  const content = shortText(whole, CONTENT_LIMIT);
  const files = (reply.images ?? []).map((image) =>
    new AttachmentBuilder(Buffer.from(image.data), { name: image.filename }).setDescription(
      shortText(image.alt ?? image.filename, 1000),
    ),
  );
  if (content !== whole && files.length < MAX_FILES)
    files.push(new AttachmentBuilder(Buffer.from(lines.join('\n'), 'utf8'), { name: 'message.txt' }));
  const components = (reply.buttons ?? []).slice(0, 5).map((row) =>
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      row.slice(0, 5).map((b) =>
        new ButtonBuilder()
          .setCustomId(b.id)
          .setLabel(shortText(t(locale, b.labelKey, b.params), 80))
          .setStyle(STYLE[b.style]),
      ),
    ),
  );
  return { content, files, components, attachments: [], allowedMentions: NO_MENTIONS };
}

/** A fitted reply as an interaction's reply or follow-up: the message fields both take, and its visibility. */
export function interactionMessage(fitted: Reply, locale: Locale, ephemeral: boolean) {
  const { content, files, components, allowedMentions } = toDiscordMessage(fitted, locale);
  return {
    content,
    files,
    components,
    allowedMentions,
    ...(ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
  };
}

/**
 * A reply too long for one message, as the messages to send in order, split between its lines (`replyParts`): the
 * first is the reply with the lines that fit (beside its ETA line), the others its further lines alone. A line
 * longer than a message alone is a message alone, its whole text in message.txt (toDiscordMessage).
 */
export function partsOf(reply: Reply, locale: Locale): [Reply, ...Reply[]] {
  const eta = etaLine(reply);
  const first = CONTENT_LIMIT - (eta === undefined ? 0 : eta.length + 1);
  return replyParts(reply, CONTENT_LIMIT, (line) => t(locale, line.key, line.params ?? {}).length, { first });
}

/**
 * Discord's per-file upload limit when the event does not say (messages; interactions carry
 * `attachment_size_limit`, which boosted guilds raise).
 */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/**
 * The reply with every image within `limit` bytes: a PNG over it becomes WebP or JPEG (see `fitImage`) and the
 * message says so; one that cannot be made to fit is left out, with a line saying why, and then the reply delivers
 * no job (`Reply.delivers`: a /queue line's file stays listed for a channel that takes it). A converted one does:
 * no channel with this limit could be sent more.
 */
export async function fitReply(reply: Reply, limit: number): Promise<Reply> {
  if (!reply.images?.some((image) => image.data.byteLength > limit)) return reply;
  const images: ReplyImage[] = [];
  const notes: ReplyText[] = [];
  const note = (key: string, params: Record<string, string | number>) => {
    if (!notes.some((n) => n.key === key)) notes.push({ key, params });
  };
  for (const image of reply.images) {
    const fitted = await fitImage(image, limit);
    if (!fitted) {
      note('result.too_large', { limitBytes: limit });
      continue;
    }
    if (fitted.converted)
      note('result.converted', { limitBytes: limit, format: fitted.format.toUpperCase() });
    images.push({ data: fitted.data, filename: fitted.filename, mime: fitted.mime, alt: fitted.alt });
  }
  const { delivers, ...rest } = reply;
  const whole = images.length === reply.images.length && delivers !== undefined;
  return { ...rest, text: [...reply.text, ...notes], images, ...(whole ? { delivers } : {}) };
}

/** A stable signature of what a reply shows (in any language), to skip edits that would change nothing. */
export function signature(reply: Reply): string {
  return JSON.stringify([
    reply.text,
    reply.etaAt !== undefined && !reply.final ? Math.ceil(reply.etaAt / 1000) : undefined,
    (reply.images ?? []).map((i) => i.data.byteLength),
    reply.buttons?.flat().map((b) => b.id),
  ]);
}
