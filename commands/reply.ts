// The platform-neutral reply every operation returns: locale keys with parameters, images, buttons. Adapters
// translate the keys (`t(locale, key, params)`) and render the rest within their platform's limits.
import type { Locale } from '../src/i18n.js';
import { USER_INPUT_CODES } from './errors.js';

export interface ReplyText {
  key: string;
  params?: Record<string, string | number>;
  /**
   * The job whose undelivered ending this line is (an answer, an ending without a file, listed by /queue). It is
   * delivered only once the message holding the line was sent: the adapter says so (`Commands.delivered`, through
   * adapters/shared/delivered.ts), and a message the platform refused leaves it listed for the next /queue.
   */
  delivers?: string;
  /** Undelivered jobs this line tells of (the notice, a /queue line of an image): told once it was sent, as above. */
  tells?: readonly string[];
}

export interface ReplyImage {
  data: Uint8Array;
  filename: string;
  /** Results are PNG (`fitImage` may re-encode one as WebP or JPEG to fit an upload cap), previews a small JPEG. */
  mime: 'image/png' | 'image/webp' | 'image/jpeg';
  alt?: string;
  /** The stored job file this image is (a result), so a platform can link to it instead of carrying the bytes. */
  source?: { jobId: string; file: string };
}

/** What a result was made from, shown beside it: the prompt, its parent job, and the sampling settings. */
export interface ResultContext {
  task: string;
  prompt: string;
  seed?: number;
  width?: number;
  height?: number;
  /** A grid: how many images of `width` × `height` it shows. */
  images?: number;
  /** A grid: its last image's seed (`seed` is its first), for "seeds 42–45" as its heading says. */
  lastSeed?: number;
  steps?: number;
  /** The job whose result this one re-rolled, varied, edited or zoomed out. */
  parentJobId?: string;
}

/**
 * Jobs an error's request had queued when it failed: sent again, the request would queue them twice, so the reply
 * is no refusal to put back (the playground's), and its lines say so to the user.
 */
export interface ReplyAdmitted {
  /** Those queued (a permutation's earlier lines), each going on as usual. */
  jobs: readonly string[];
  /** The queue failed while asked, and may have taken one more job, whose id is lost with the failure. */
  unsure?: boolean;
}

export type ButtonStyle = 'primary' | 'secondary' | 'danger';

/** Button actions; the id is `<action>:<jobId>` (≤ 53 bytes: fits Discord custom_id, 100, and Telegram callback_data, 64). */
export const BUTTON_ACTIONS = [
  'reroll',
  'vary',
  'vary_strong',
  'vary_1',
  'vary_2',
  'vary_3',
  'vary_4',
  'vary_region',
  'upscale_subtle',
  'upscale_creative',
  'edit',
  'describe',
  'zoomout',
  'zoomout2',
  'zoomcustom',
  'pan_left',
  'pan_right',
  'pan_up',
  'pan_down',
  'square',
  'pick_1',
  'pick_2',
  'pick_3',
  'pick_4',
  'imagine',
  'remix',
  'original',
  'delete',
  'cancel',
  /**
   * /queue's numbered Cancel: answered in place of the list it was on (`replaceSource`), not as news on the job's
   * message.
   */
  'queue_cancel',
  /** /queue's Refresh: the list as it now stands, in place of the one it was on (`replaceSource`); its owner's. */
  'queue_refresh',
  'more',
  'less',
] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

export interface ReplyButton {
  id: string;
  labelKey: string;
  /** Parameters of the label and of the hint (a grid's image number). */
  params?: Record<string, string | number>;
  /** What a label of symbols alone means (the pan arrows), for a tooltip and a screen reader where there is one. */
  hintKey?: string;
  style: ButtonStyle;
  /** Only the job's owner (or an admin) may press it; adapters may hide or grey it for others. */
  ownerOnly?: boolean;
}

/**
 * What the adapter should ask the user before calling back (a Discord modal, a Telegram ForceReply, a web form):
 * the answer goes to `commands.answerAsk(ctx, kind, jobId, answer)`.
 */
export interface ReplyAsk {
  /**
   * `edit_instruction`: how the result should change; `imagine_line`: the job's /imagine line, to change;
   * `zoom_line`: the prompt and `--zoom` of a zoom-out around the result (Custom zoom); `region_line`: a /retouch
   * line for a part of the result, its prompt and `--box` (Vary (Region)).
   */
  kind: AskKind;
  jobId: string;
  titleKey: string;
  labelKey: string;
  /** The answer's starting text, for the user to change (Remix: the whole /imagine line). */
  value?: string;
}

export const ASK_KINDS = ['edit_instruction', 'imagine_line', 'zoom_line', 'region_line'] as const;
export type AskKind = (typeof ASK_KINDS)[number];

/**
 * The question a button asks before it acts (Edit, Remix, Custom zoom, Vary (Region)), whose answer comes back with
 * its id.
 */
export function askKindOf(action: ButtonAction | undefined): AskKind | undefined {
  if (action === 'edit') return 'edit_instruction';
  if (action === 'remix') return 'imagine_line';
  if (action === 'zoomcustom') return 'zoom_line';
  if (action === 'vary_region') return 'region_line';
  return undefined;
}

export interface Reply {
  /** Lines of the message, in order; the adapter joins them with newlines. */
  text: ReplyText[];
  images?: ReplyImage[];
  /** Rows of buttons (at most 5 per row). */
  buttons?: ReplyButton[][];
  /** Show only to the user who asked (Discord ephemeral; elsewhere a private message when possible). */
  ephemeral?: boolean;
  /**
   * Never to be shown to a shared chat, even where `ephemeral` cannot be had (a Telegram group shows every message
   * to all): there the reply goes to the asker's private chat and the shared chat is told `sent`, or `unreachable`
   * when the asker cannot be written to privately. Where `ephemeral` works (Discord), it is enough.
   */
  privately?: { sent: ReplyText; unreachable: ReplyText };
  /** With an error: what the request had queued before it failed (`ReplyAdmitted`). */
  admitted?: ReplyAdmitted;
  /** The job this reply is about: adapters key their message by it to edit it on later events. */
  jobId?: string;
  /** When the job is expected to start or finish (epoch ms), for relative timestamps such as Discord's `<t:…:R>`. */
  etaAt?: number;
  /** The reply ends the job's story: no more events will follow for `jobId`. */
  final?: boolean;
  /** With `final`: how the job ended (an adapter may notify its owner of a finished or failed job). */
  outcome?: 'done' | 'failed' | 'cancelled';
  /** The adapter should delete the message the pressed button was on. */
  deleteSource?: boolean;
  /**
   * The adapter should give the message the pressed button was on these `buttons` instead of its own (More ▾ and
   * Less ▴ under a compact result), sending nothing new.
   */
  replaceButtons?: boolean;
  /**
   * The adapter should show this reply (its text and buttons) in place of the message the pressed button was on (a
   * /queue list after its Cancel n or Refresh), sending nothing new. Its first line says what the press did: where the
   * message cannot be replaced and a new one would show to others (a Telegram group), that line alone goes to the
   * presser.
   */
  replaceSource?: boolean;
  /**
   * With `replaceSource`: the same message's next state, once it is known; the adapter shows the reply it resolves to
   * in place of the one it showed this reply in, as it showed this one (what the press did is long answered: its first
   * line is no news to toast). A /queue list answered while the job its Cancel n stopped was still stopping: the list
   * once the job has ended. Undefined: nothing to change (the job had not ended within the wait). Never rejects.
   */
  nextInPlace?: Promise<Reply | undefined>;
  /**
   * The language to render this reply in, where it is not the asker's: buttons given back to a result's message,
   * which speaks its job's language whoever pressed.
   */
  locale?: Locale;
  /** Send the images as files, untouched (Telegram `sendDocument`), not as photos a platform recompresses. */
  asFiles?: boolean;
  /**
   * Jobs whose undelivered result this reply's images are (the file fetched by a /queue line's button). Delivered
   * only once every image was sent, as a line's `ReplyText.delivers`: the adapter says so (`Commands.delivered`,
   * through adapters/shared/delivered.ts); a file the platform refused, or left out, leaves the job listed.
   */
  delivers?: readonly string[];
  /**
   * A job's state to show at once, not at its message's next paced turn: the bot is stopping and this is the job's
   * last state before it is back (its adapter stops soon after), or a /cancel typed apart from the job's message was
   * taken and its "Stopping…" replaces the message now (`stoppingNow`, sent by `JobUpdates.restate`), as the job's
   * own Cancel button does, not seconds later at the job's next step.
   */
  urgent?: boolean;
  /**
   * With `urgent`: this state corrects an ending its job's owner was told already (a failure the database refused to
   * store, at a full disk, whose job the next start runs again: "paused, will restart"). The one state that may
   * follow a failure shown; it goes where that failure went (adapters/shared/job-status.ts).
   */
  corrects?: boolean;
  /** Jobs ahead of this one while it waits (position updates), so adapters can thin them out. */
  ahead?: number;
  /**
   * The reply announces a newly submitted job: the message that shows it becomes the job's status message, which
   * every later event of the job edits. Other replies naming a job (a /cancel answer) never take that role.
   */
  startsJob?: boolean;
  ask?: ReplyAsk;
  /** For results: what they were made from (the playground labels each result with it). */
  context?: ResultContext;
  /**
   * Replies to send after this one, each a message of its own (the further jobs of a permutation prompt, or why one
   * was refused); each that starts a job becomes that job's status message.
   */
  more?: Reply[];
  /**
   * Nothing new to say (a blocked user's refusal, repeated within its quiet time: `blocked.ts`): an adapter that
   * need not answer (a message) sends nothing; one that must (a Discord interaction) shows the text.
   */
  silent?: boolean;
}

export function buttonId(action: ButtonAction, jobId: string): string {
  return `${action}:${jobId}`;
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function parseButtonId(id: string): { action: ButtonAction; jobId: string } | undefined {
  const [action, jobId, ...rest] = id.split(':');
  if (rest.length > 0 || jobId === undefined || !JOB_ID.test(jobId)) return undefined;
  if (!(BUTTON_ACTIONS as readonly string[]).includes(action ?? '')) return undefined;
  return { action: action as ButtonAction, jobId };
}

/**
 * The job whose result a message of ours shows, read from the buttons it carries (a result has Re-roll), so a
 * reply to it can use the stored lossless PNG instead of the platform's recompressed copy.
 */
export function resultJobOf(buttonIds: Iterable<string>): string | undefined {
  for (const id of buttonIds) {
    const parsed = parseButtonId(id);
    if (parsed?.action === 'reroll') return parsed.jobId;
  }
  return undefined;
}

/** A one-line reply from a key, e.g. a refusal. */
export function textReply(key: string, params?: Record<string, string | number>, ephemeral = true): Reply {
  return { text: [{ key, params }], ephemeral };
}

/**
 * Refusals whose key is no error's (`errors.…`), each a line to put right and send again as those are: a command
 * needing an image said in the platform's words (a `UserInputCode` outside `errors.`), a `/command` we do not know,
 * a plain line the playground only explains (add `/imagine`), an id naming no job, a form the server could not read.
 */
const REFUSAL_KEYS: ReadonlySet<string> = new Set([
  ...USER_INPUT_CODES,
  'web.unknown_command',
  'web.unknown_command_near',
  'chat.plain_hint',
  'cancel.unknown_id',
  'web.bad_upload',
  'web.bad_request',
]);

/**
 * A refusal is said by its first line, whose key is an error's or one of `REFUSAL_KEYS`. A reply that queued a job
 * never is one, nor one about a job (a history entry whose files are gone says so in an `errors.…` line too), nor an
 * error after the request had queued jobs, or may have (`Reply.admitted`): the request sent again (an edit, the
 * playground's retry) would queue them twice.
 */
export function isRefusal(reply: Reply): boolean {
  const key = reply.text[0]?.key ?? '';
  return (
    !reply.startsJob &&
    reply.jobId === undefined &&
    reply.admitted === undefined &&
    (key.startsWith('errors.') || REFUSAL_KEYS.has(key))
  );
}
