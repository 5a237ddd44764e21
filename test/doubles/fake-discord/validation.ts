import { type APIMessage, ComponentType, InteractionType, MessageFlags } from 'discord.js';
import type { UploadedFile } from '../shared/multipart.js';
import { invalidCustomId, invalidMessageComponents, invalidSelect } from './component-rules.js';
import { invalidEmbeds } from './embed-rules.js';
import { discordError, type RouteReply } from './errors.js';
import { badCount, badLength, firstOf, formError, required } from './form-error.js';
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
export const MAX_FILES = 10;
export const CONTENT_MAX = 2000;
/** A post's nonce: at most 25 characters. */
export const NONCE_MAX = 25;
/** An attachment's description (alt text). */
export const ATTACHMENT_DESCRIPTION_MAX = 1024;
/** User and role ids in allowed_mentions. */
export const ALLOWED_MENTIONS_MAX = 100;
const IS_COMPONENTS_V2 = 1 << 15;
const IS_VOICE_MESSAGE = 1 << 13;

/**
 * What a message body is for, which decides the flags it may set: a channel post (SUPPRESS_EMBEDS,
 * SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE, IS_COMPONENTS_V2), an interaction's message (a type 4 or 7 callback, a
 * follow-up: EPHEMERAL too), an edit (also lenient: Discord ignores flags it does not edit).
 */
export type MessageUse = 'post' | 'interaction' | 'edit';

const FLAGS_ALLOWED: Readonly<Record<MessageUse, number>> = {
  post:
    MessageFlags.SuppressEmbeds | MessageFlags.SuppressNotifications | IS_VOICE_MESSAGE | IS_COMPONENTS_V2,
  interaction:
    MessageFlags.Ephemeral |
    MessageFlags.SuppressEmbeds |
    MessageFlags.SuppressNotifications |
    IS_VOICE_MESSAGE |
    IS_COMPONENTS_V2,
  edit:
    MessageFlags.Ephemeral |
    MessageFlags.SuppressEmbeds |
    MessageFlags.SuppressNotifications |
    IS_COMPONENTS_V2,
};

/** At most 10 files, each within the upload limit (the interaction's `attachment_size_limit` where it says), 25 MiB. */
export function invalidFiles(files: UploadedFile[], uploadLimitBytes: number): RouteReply | undefined {
  if (files.length > MAX_FILES)
    return formError('files', 'BASE_TYPE_MAX_LENGTH', `Must be ${MAX_FILES} or fewer in length.`);
  const tooBig = files.find((file) => file.bytes.length > uploadLimitBytes);
  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (tooBig || total > REQUEST_LIMIT_BYTES) return discordError(413, 40005, 'Request entity too large');
  return undefined;
}

/** Each attachment's description (alt text) at most 1024 characters. */
export function invalidAttachmentDescriptions(attachments: unknown): RouteReply | undefined {
  if (!Array.isArray(attachments)) return undefined;
  return firstOf(
    attachments.map(
      (a: JsonBody, index) => () =>
        badLength(a?.description, `attachments.${index}.description`, ATTACHMENT_DESCRIPTION_MAX),
    ),
  );
}

/** `parse` excludes `users` (and `roles`) when it names them; at most 100 user and 100 role ids. */
export function invalidAllowedMentions(allowed: JsonBody): RouteReply | undefined {
  if (!allowed || typeof allowed !== 'object') return undefined;
  const parse: unknown[] = Array.isArray(allowed.parse) ? allowed.parse : [];
  for (const kind of ['users', 'roles'] as const) {
    const listed = Array.isArray(allowed[kind]) && allowed[kind].length > 0;
    if (listed && parse.includes(kind))
      return formError(
        `allowed_mentions.${kind}`,
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`,
      );
    const count = badCount(allowed[kind], `allowed_mentions.${kind}`, ALLOWED_MENTIONS_MAX);
    if (count) return count;
  }
  return undefined;
}

/** Only the flags a message of this use may set. */
export function invalidFlags(flags: unknown, use: MessageUse): RouteReply | undefined {
  const value = typeof flags === 'number' ? flags : 0;
  return (value & ~FLAGS_ALLOWED[use]) === 0
    ? undefined
    : formError('flags', 'MESSAGE_FLAGS_INVALID', `Invalid flags for this message: ${value}`);
}

/**
 * The message-body rules an adapter most easily breaks: lengths, component rules, upload sizes, flags. `use`
 * picks the flags allowed; `uploadLimitBytes` overrides the fake's per-file limit (an interaction's own).
 */
export function invalidMessageBody(
  body: JsonBody,
  files: UploadedFile[],
  limits: DiscordLimits,
  use: MessageUse = 'interaction',
  uploadLimitBytes = limits.uploadLimitBytes,
): RouteReply | undefined {
  const upload = invalidFiles(files, Math.min(uploadLimitBytes, limits.uploadLimitBytes));
  if (upload || !body || typeof body !== 'object') return upload;
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  return firstOf([
    () => badLength(body.content, 'content', CONTENT_MAX),
    () =>
      use === 'post' && body.nonce !== undefined
        ? badLength(String(body.nonce), 'nonce', NONCE_MAX)
        : undefined,
    () => invalidEmbeds(body.embeds),
    () => invalidAttachmentDescriptions(body.attachments),
    () => ((flags & IS_COMPONENTS_V2) === 0 ? invalidMessageComponents(body.components) : undefined),
    () => invalidAllowedMentions(body.allowed_mentions),
    () => invalidFlags(body.flags, use),
  ]);
}

/** What a message shows: content that is not only blank, embeds, stickers, components, files or a poll. */
function showsSomething(message: {
  content?: unknown;
  embeds?: unknown;
  sticker_ids?: unknown;
  components?: unknown;
  attachments?: unknown;
  poll?: unknown;
}): boolean {
  const some = (value: unknown) => Array.isArray(value) && value.length > 0;
  return (
    (typeof message.content === 'string' && message.content.trim() !== '') ||
    some(message.embeds) ||
    some(message.sticker_ids) ||
    some(message.components) ||
    some(message.attachments) ||
    Boolean(message.poll)
  );
}

const EMPTY_MESSAGE = () => discordError(400, 50006, 'Cannot send an empty message');

/**
 * A new message (a post, a follow-up, a type 4 callback) needs at least one of content, embeds, stickers,
 * components, files or a poll: else Discord's 50006.
 */
export function emptyMessage(body: JsonBody, files: UploadedFile[]): RouteReply | undefined {
  if (files.length > 0) return undefined;
  return showsSomething({ ...(body ?? {}), attachments: undefined }) ? undefined : EMPTY_MESSAGE();
}

/** An edit that would leave the message showing nothing: 50006 too. */
export function emptiedByEdit(
  message: APIMessage,
  body: JsonBody,
  files: UploadedFile[],
): RouteReply | undefined {
  if (!body || typeof body !== 'object' || files.length > 0) return undefined;
  const after = {
    content: 'content' in body ? body.content : message.content,
    embeds: 'embeds' in body ? body.embeds : message.embeds,
    components: 'components' in body ? body.components : message.components,
    attachments: 'attachments' in body ? body.attachments : message.attachments,
  };
  return showsSomething(after) ? undefined : EMPTY_MESSAGE();
}

/** A deferred answer (type 5) may set EPHEMERAL only. */
export function invalidDeferFlags(data: JsonBody): RouteReply | undefined {
  const flags = typeof data?.flags === 'number' ? data.flags : 0;
  return (flags & ~MessageFlags.Ephemeral) === 0
    ? undefined
    : formError('data.flags', 'MESSAGE_FLAGS_INVALID', 'A deferred response may only be ephemeral');
}

/**
 * Which callback types an interaction takes: 8 (autocomplete result) only, and only, for autocomplete; 6 and 7
 * (update the message) only for a component, or a modal opened from one; 9 (a modal) for neither a modal's
 * submission nor a ping.
 */
export function invalidCallbackType(
  interactionType: InteractionType,
  callbackType: number,
  onMessage: boolean,
): RouteReply | undefined {
  const autocomplete = interactionType === InteractionType.ApplicationCommandAutocomplete;
  const fromComponent =
    interactionType === InteractionType.MessageComponent ||
    (interactionType === InteractionType.ModalSubmit && onMessage);
  const refused =
    autocomplete !== (callbackType === 8) ||
    ((callbackType === 6 || callbackType === 7) && !fromComponent) ||
    (callbackType === 9 &&
      (interactionType === InteractionType.ModalSubmit || interactionType === InteractionType.Ping));
  return refused
    ? formError(
        'type',
        'INTERACTION_RESPONSE_TYPE_INVALID',
        `Callback type ${callbackType} does not fit the interaction`,
      )
    : undefined;
}

/** A modal's title and a label (of a Label or a classic text input): 1–45 characters. */
export const MODAL_TITLE_MAX = 45;
export const MODAL_COMPONENTS_MAX = 5;
/** A Label's description. */
export const LABEL_DESCRIPTION_MAX = 100;
/** A text input's value and its min_length/max_length: at most 4000; its placeholder at most 100. */
export const TEXT_INPUT_MAX = 4000;
export const TEXT_INPUT_PLACEHOLDER_MAX = 100;

/**
 * A text input: a custom_id of 1–100; min_length 0–4000, max_length 1–4000, min at most max; a placeholder of at
 * most 100; a pre-filled value no longer than its max_length (Discord refuses the modal); in a classic action row,
 * its own label of 1–45.
 */
export function invalidTextInput(input: JsonBody, path: string, labelled: boolean): RouteReply | undefined {
  const max = typeof input?.max_length === 'number' ? input.max_length : TEXT_INPUT_MAX;
  const min = typeof input?.min_length === 'number' ? input.min_length : 0;
  return firstOf([
    () => invalidCustomId(input?.custom_id, `${path}.custom_id`),
    () => (labelled || typeof input?.label === 'string' ? undefined : required(`${path}.label`)),
    () => badLength(input?.label, `${path}.label`, MODAL_TITLE_MAX, 1),
    () => badLength(input?.placeholder, `${path}.placeholder`, TEXT_INPUT_PLACEHOLDER_MAX),
    () =>
      min < 0 || min > TEXT_INPUT_MAX
        ? formError(`${path}.min_length`, 'NUMBER_TYPE_MAX', `Must be between 0 and ${TEXT_INPUT_MAX}.`)
        : undefined,
    () =>
      max < 1 || max > TEXT_INPUT_MAX || max < min
        ? formError(
            `${path}.max_length`,
            'NUMBER_TYPE_MAX',
            `Must be between 1 and ${TEXT_INPUT_MAX}, and no less than min_length.`,
          )
        : undefined,
    () => badLength(input?.value, `${path}.value`, max),
  ]);
}

/** One of a modal's components: a Label holding one component, or a classic action row holding one text input. */
function invalidModalComponent(row: JsonBody, path: string): RouteReply | undefined {
  if (row?.type === ComponentType.Label) {
    const inner = row.component;
    return firstOf([
      () => (typeof row.label === 'string' ? undefined : required(`${path}.label`)),
      () => badLength(row.label, `${path}.label`, MODAL_TITLE_MAX, 1),
      () => badLength(row.description, `${path}.description`, LABEL_DESCRIPTION_MAX),
      () => (inner ? undefined : required(`${path}.component`)),
      () =>
        inner?.type === ComponentType.TextInput
          ? invalidTextInput(inner, `${path}.component`, true)
          : undefined,
      () =>
        inner?.type === ComponentType.StringSelect ? invalidSelect(inner, `${path}.component`) : undefined,
    ]);
  }
  if (row?.type === ComponentType.TextDisplay) return undefined;
  if (row?.type !== ComponentType.ActionRow)
    return formError(
      `${path}.type`,
      'COMPONENT_TYPE_INVALID',
      'A modal holds labels, text displays or action rows.',
    );
  const inputs: JsonBody[] = Array.isArray(row.components) ? row.components : [];
  if (inputs.length !== 1 || inputs[0]?.type !== ComponentType.TextInput)
    return formError(
      `${path}.components`,
      'BASE_TYPE_BAD_LENGTH',
      'A modal’s action row holds one text input.',
    );
  return invalidTextInput(inputs[0], `${path}.components.0`, false);
}

/** The custom_ids of a modal's inputs, each once. */
function duplicatedInputId(rows: readonly JsonBody[]): RouteReply | undefined {
  const seen = new Set<string>();
  for (const [index, row] of rows.entries()) {
    const input = row?.component ?? row?.components?.[0];
    const id = input?.custom_id;
    if (typeof id !== 'string') continue;
    if (seen.has(id))
      return formError(
        `data.components.${index}`,
        'COMPONENT_CUSTOM_ID_DUPLICATED',
        'Component custom id cannot be duplicated',
      );
    seen.add(id);
  }
  return undefined;
}

/**
 * A modal (callback type 9): a custom_id of 1–100, a title of 1–45, 1–5 components, each valid
 * (`invalidModalComponent`), input ids unique.
 */
export function invalidModal(data: JsonBody): RouteReply | undefined {
  if (!data || typeof data !== 'object') return required('data');
  const rows: unknown = data.components;
  return firstOf([
    () => invalidCustomId(data.custom_id, 'data.custom_id'),
    () => (typeof data.title === 'string' ? undefined : required('data.title')),
    () => badLength(data.title, 'data.title', MODAL_TITLE_MAX, 1),
    () =>
      Array.isArray(rows)
        ? badCount(rows, 'data.components', MODAL_COMPONENTS_MAX, 1)
        : required('data.components'),
    ...(Array.isArray(rows) ? rows : []).map(
      (row: JsonBody, index) => () => invalidModalComponent(row, `data.components.${index}`),
    ),
    () => (Array.isArray(rows) ? duplicatedInputId(rows) : undefined),
  ]);
}
