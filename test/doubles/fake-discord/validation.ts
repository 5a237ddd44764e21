import { MessageFlags } from 'discord.js';
import type { UploadedFile } from '../shared/multipart.js';
import { discordError, type RouteReply } from './errors.js';
import type { JsonBody } from './store.js';

/** Discord's deadlines and size limits; tests shrink them to exercise the adapter's handling quickly. */
export interface DiscordLimits {
  /** An interaction not acknowledged within this is gone (10062 Unknown interaction). Discord: 3 s. */
  ackDeadlineMs: number;
  /** Webhook calls on an interaction token fail after this (401, 50027). Discord: 15 min. */
  tokenLifetimeMs: number;
  /** Per-file upload limit (413, 40005). Discord: 10 MiB by default. */
  uploadLimitBytes: number;
}

export const DEFAULT_LIMITS: DiscordLimits = {
  ackDeadlineMs: 3000,
  tokenLifetimeMs: 15 * 60 * 1000,
  uploadLimitBytes: 10 * 1024 * 1024,
};

const REQUEST_LIMIT_BYTES = 25 * 1024 * 1024;
const IS_COMPONENTS_V2 = 1 << 15;

function formError(field: string, message: string): RouteReply {
  return {
    status: 400,
    body: {
      message: 'Invalid Form Body',
      code: 50035,
      errors: { [field]: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message }] } },
    },
  };
}

/** The message-body rules an adapter most easily breaks: lengths, component counts, upload sizes. */
export function invalidMessageBody(
  body: JsonBody,
  files: UploadedFile[],
  limits: DiscordLimits,
): RouteReply | undefined {
  const tooBig = files.find((file) => file.bytes.length > limits.uploadLimitBytes);
  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (tooBig || total > REQUEST_LIMIT_BYTES) return discordError(413, 40005, 'Request entity too large');
  if (!body || typeof body !== 'object') return undefined;
  if (typeof body.content === 'string' && body.content.length > 2000) {
    return formError('content', 'Must be 2000 or fewer in length.');
  }
  if (Array.isArray(body.embeds) && body.embeds.length > 10)
    return formError('embeds', 'Must be 10 or fewer in length.');
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  if (Array.isArray(body.components) && (flags & IS_COMPONENTS_V2) === 0) {
    if (body.components.length > 5) return formError('components', 'Must be 5 or fewer in length.');
    for (const [index, row] of body.components.entries()) {
      const children = Array.isArray(row?.components) ? row.components : [];
      if (children.length > 5)
        return formError(`components.${index}.components`, 'Must be 5 or fewer in length.');
      for (const child of children) {
        if (typeof child?.custom_id === 'string' && child.custom_id.length > 100) {
          return formError(`components.${index}.components.custom_id`, 'Must be 100 or fewer in length.');
        }
      }
    }
  }
  if (
    (flags &
      ~(
        MessageFlags.Ephemeral |
        MessageFlags.SuppressEmbeds |
        MessageFlags.SuppressNotifications |
        IS_COMPONENTS_V2
      )) !==
    0
  ) {
    return formError('flags', 'Invalid flags for a message sent by a bot.');
  }
  return undefined;
}
