import { ComponentType, MessageFlags } from 'discord.js';
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
/** Attachments in one message. */
const MAX_FILES = 10;
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
  if (files.length > MAX_FILES) return formError('files', `Must be ${MAX_FILES} or fewer in length.`);
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
        const invalid = invalidComponent(child, `components.${index}.components`);
        if (invalid) return invalid;
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

/** Discord's checks of a length: `field` must be a string of at most `max` characters, when present. */
function tooLong(value: unknown, max: number, field: string): RouteReply | undefined {
  return typeof value === 'string' && value.length > max
    ? formError(field, `Must be ${max} or fewer in length.`)
    : undefined;
}

/** A button's label (80) and a string select's placeholder (150) and options (25, each label and value 100). */
function invalidComponent(child: JsonBody, field: string): RouteReply | undefined {
  if (!child || typeof child !== 'object') return undefined;
  const options: JsonBody[] = Array.isArray(child.options) ? child.options : [];
  if (options.length > 25) return formError(`${field}.options`, 'Must be 25 or fewer in length.');
  return (
    tooLong(child.type === ComponentType.Button ? child.label : undefined, 80, `${field}.label`) ??
    tooLong(child.placeholder, 150, `${field}.placeholder`) ??
    options
      .map(
        (option) =>
          tooLong(option?.label, 100, `${field}.options.label`) ??
          tooLong(option?.value, 100, `${field}.options.value`),
      )
      .find(Boolean)
  );
}

/**
 * A modal (callback type 9): title at most 45, at most 5 rows; each text input's label at most 45, placeholder
 * 100, max_length 4000, and a pre-filled value no longer than its max_length (Discord refuses the modal).
 */
export function invalidModal(data: JsonBody): RouteReply | undefined {
  if (!data || typeof data !== 'object') return formError('data', 'A modal needs its data.');
  const title = tooLong(data.title, 45, 'data.title');
  if (title) return title;
  const rows: JsonBody[] = Array.isArray(data.components) ? data.components : [];
  if (rows.length < 1 || rows.length > 5) return formError('data.components', 'Must be 1 to 5 in length.');
  for (const row of rows) {
    const label = tooLong(row?.label, 45, 'data.components.label');
    if (label) return label;
    const inputs: JsonBody[] = Array.isArray(row?.components)
      ? row.components
      : row?.component
        ? [row.component]
        : [];
    for (const input of inputs) {
      if (input?.type !== ComponentType.TextInput) continue;
      const max = typeof input.max_length === 'number' ? input.max_length : 4000;
      const invalid =
        tooLong(input.label, 45, 'data.components.components.label') ??
        tooLong(input.placeholder, 100, 'data.components.components.placeholder') ??
        (max > 4000
          ? formError('data.components.components.max_length', 'Must be 4000 or less.')
          : undefined) ??
        tooLong(input.value, max, 'data.components.components.value');
      if (invalid) return invalid;
    }
  }
  return undefined;
}
