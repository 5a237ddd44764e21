// A platform-neutral Reply as the page shows it: translated lines, images as data URLs, buttons with labels.
import {
  type HistoryEntry,
  isRefusal,
  type Reply,
  type ReplyImage,
  type ResultContext,
} from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';

export interface WebMessage {
  jobId?: string;
  /** The language it is in: a page in another one (the user just changed it) takes its own words again. */
  locale: Locale;
  lines: string[];
  /** `download`: the lossless PNG with its parameters (results only). */
  images: Array<{ src: string; alt: string; filename: string; download?: string }>;
  buttons: Array<Array<{ id: string; label: string; style: string; hint?: string }>>;
  etaAt?: number;
  /**
   * While a job runs: the step it is at, of how many, for a bar beside the line that says it in words; `finishing`
   * once its steps are done and the image is being made, a bar that moves rather than one full and still.
   */
  progress?: { step: number; total: number; finishing?: true };
  final?: boolean;
  /** With `final`: how the job ended. */
  outcome?: 'done' | 'failed' | 'cancelled';
  /**
   * Corrects a failure shown ("paused, will restart": the database refused to store it, and the next start runs the
   * job again; `Reply.corrects`): the one state the page shows after a failed final one.
   */
  corrects?: boolean;
  deleteSource?: boolean;
  /** Shown in place of the message whose button was pressed (a /queue list after its Cancel n or Refresh). */
  replaceSource?: boolean;
  /**
   * Shown in place of the message a press of this button id was answered in (`Reply.nextInPlace`: a /queue list
   * once the job its Cancel n stopped has ended); a page that holds no such message ignores it.
   */
  replaces?: string;
  /**
   * The request was refused (a flag out of range, a job gone, a full queue) and nothing started: an inline form's
   * answer stays in its form, to be put right and sent again.
   */
  refused?: boolean;
  /**
   * With `refused`: the refusal is about the attached image itself (too large, unreadable, the wrong shape), which
   * sent again would be refused again; the composer puts back the line without it.
   */
  imageRefused?: boolean;
  /** `labelKey`: the label's key in /api/info's strings, for an open form to be worded again in a new language. */
  ask?: { kind: string; jobId: string; title: string; label: string; labelKey: string; value?: string };
  context?: ResultContext & { label: string; parentSrc?: string };
  /** Messages that follow this one (a permutation's further jobs), each shown as a message of its own. */
  more?: WebMessage[];
}

/** A running job's picture of its progress: never stored, and gone once the job ends. */
function previewOf(reply: Reply, image: ReplyImage): boolean {
  return reply.jobId !== undefined && !reply.final && image.source === undefined;
}

const PROGRESS_KEYS = new Set(['job.running', 'job.finishing']);

function progressOf(reply: Reply): Pick<WebMessage, 'progress'> {
  const running = reply.final ? undefined : reply.text.find((line) => PROGRESS_KEYS.has(line.key));
  const step = Number(running?.params?.step);
  const total = Number(running?.params?.total);
  if (!Number.isInteger(step) || !Number.isInteger(total) || total <= 0) return {};
  return { progress: { step, total, ...(running?.key === 'job.finishing' && { finishing: true as const }) } };
}

/** Where the page fetches a stored file of a job (owner-checked by the server). */
export function fileUrl(jobId: string, file: string, download = false): string {
  return `/api/files/${jobId}/${file}${download ? '?download=1' : ''}`;
}

export function toWebMessage(reply: Reply, locale: Locale): WebMessage {
  return {
    jobId: reply.jobId,
    locale,
    lines: reply.text.map((line) => t(locale, line.key, line.params ?? {})),
    // A stored result travels as a link (a history page stays small); previews are inline.
    images: (reply.images ?? []).map((image) => ({
      src: image.source
        ? fileUrl(image.source.jobId, image.source.file)
        : `data:${image.mime};base64,${Buffer.from(image.data).toString('base64')}`,
      // A running job's progress preview has no text of its own: its line says the step in words, where a screen
      // reader would read its file name ("preview.jpg") at every step. Any other image without one is named by it.
      alt: image.alt ?? (previewOf(reply, image) ? '' : image.filename),
      filename: image.filename,
      ...(image.source ? { download: fileUrl(image.source.jobId, image.source.file, true) } : {}),
    })),
    buttons: (reply.buttons ?? []).map((row) =>
      row.map((b) => ({
        id: b.id,
        label: t(locale, b.labelKey, b.params),
        style: b.style,
        ...(b.hintKey ? { hint: t(locale, b.hintKey, b.params) } : {}),
      })),
    ),
    etaAt: reply.etaAt,
    ...progressOf(reply),
    final: reply.final,
    outcome: reply.outcome,
    ...(reply.corrects && { corrects: true }),
    deleteSource: reply.deleteSource,
    replaceSource: reply.replaceSource,
    ...(isRefusal(reply) ? { refused: true, ...(imageRefusal(reply) ? { imageRefused: true } : {}) } : {}),
    ask: reply.ask && {
      kind: reply.ask.kind,
      jobId: reply.ask.jobId,
      title: t(locale, reply.ask.titleKey),
      label: t(locale, reply.ask.labelKey),
      labelKey: reply.ask.labelKey,
      value: reply.ask.value,
    },
    context: reply.context && { ...reply.context, label: contextLabel(reply.context, locale) },
    ...(reply.more?.length ? { more: reply.more.map((more) => toWebMessage(more, locale)) } : {}),
  };
}

/** The upload over its size limit (413), or an image the engine cannot take (its format, pixels, shape). */
const IMAGE_REFUSAL = /^errors\.(?:input\.too_large|engine\.image_)/;

function imageRefusal(reply: Reply): boolean {
  return IMAGE_REFUSAL.test(reply.text[0]?.key ?? '');
}

/** "seed 42 · 512×512 · 64 steps · Edit: Add something"; a grid "seed 42 · 4 × 512×512 · …". */
function contextLabel(c: ResultContext, locale: Locale): string {
  const parts: string[] = [];
  if (c.seed !== undefined)
    parts.push(
      c.lastSeed !== undefined
        ? t(locale, 'web.context.seeds', { first: c.seed, last: c.lastSeed })
        : t(locale, 'web.context.seed', { seed: c.seed }),
    );
  if (c.width !== undefined && c.height !== undefined)
    parts.push(`${c.images ? `${c.images} × ` : ''}${c.width}×${c.height}`);
  if (c.steps !== undefined) parts.push(t(locale, 'web.context.steps', { steps: c.steps }));
  parts.push(taskLabel(c.task, locale));
  return parts.join(' · ');
}

/**
 * A result's task (`text_to_image`, `paint/vary`, `image_to_image/edit_add`: ids of the engine and the queue) in the
 * user's words; an id this list does not know yet stays as it is rather than showing a missing key.
 */
function taskLabel(task: string, locale: Locale): string {
  const [kind, detail] = task.split('/');
  if (kind === 'image_to_image' && detail) {
    const type = t(locale, `choice.edit_type.${detail}`);
    return t(locale, 'web.task.edit', { type: type === `choice.edit_type.${detail}` ? detail : type });
  }
  const key = `web.task.${kind === 'paint' && detail ? detail : kind}`;
  const label = t(locale, key);
  return label === key ? task : label;
}

export interface WebHistoryEntry {
  jobId: string;
  asked: { text: string; images: Array<{ role: string; src: string }> };
  reply: WebMessage;
}

export function toWebHistoryEntry(entry: HistoryEntry, locale: Locale): WebHistoryEntry {
  return {
    jobId: entry.jobId,
    asked: {
      text: entry.asked.text,
      images: entry.asked.images.map((i) => ({ role: i.role, src: fileUrl(entry.jobId, i.file) })),
    },
    reply: toWebMessage(entry.reply, locale),
  };
}
