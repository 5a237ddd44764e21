// A platform-neutral Reply as the page shows it: translated lines, images as data URLs, buttons with labels.
import type { Reply } from '../../commands/index.js';
import { type Locale, t } from '../../src/i18n.js';

export interface WebMessage {
  jobId?: string;
  lines: string[];
  images: Array<{ src: string; alt: string; filename: string }>;
  buttons: Array<Array<{ id: string; label: string; style: string }>>;
  etaAt?: number;
  final?: boolean;
  deleteSource?: boolean;
  ask?: { kind: string; jobId: string; title: string; label: string };
}

export function toWebMessage(reply: Reply, locale: Locale): WebMessage {
  return {
    jobId: reply.jobId,
    lines: reply.text.map((line) => t(locale, line.key, line.params ?? {})),
    images: (reply.images ?? []).map((image) => ({
      src: `data:${image.mime};base64,${Buffer.from(image.data).toString('base64')}`,
      alt: image.alt ?? image.filename,
      filename: image.filename,
    })),
    buttons: (reply.buttons ?? []).map((row) =>
      row.map((b) => ({ id: b.id, label: t(locale, b.labelKey), style: b.style })),
    ),
    etaAt: reply.etaAt,
    final: reply.final,
    deleteSource: reply.deleteSource,
    ask: reply.ask && {
      kind: reply.ask.kind,
      jobId: reply.ask.jobId,
      title: t(locale, reply.ask.titleKey),
      label: t(locale, reply.ask.labelKey),
    },
  };
}
