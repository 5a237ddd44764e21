// Turns on a message shown in place of itself (a /queue list after its Cancel n or Refresh: source-replacement.ts),
// by when they started: a later one (a Refresh pressed meanwhile) ends an earlier one still waiting (held by flood
// control), which would otherwise land over it with an older list. An earlier one already with Telegram is not cut
// off (Telegram would still carry it out, maybe after the later one): the later one waits for its answer before
// going. A list's later parts are put in place in its turn (list-parts.ts), and so are the later parts of a list just
// sent (replies.ts `sendLater`): a press on its first message meanwhile waits for them, then edits them into its own,
// rather than finding none, sending its own beside them and having them overwritten as the list's parts. Every
// request of a turn carries its signal, sends of later parts too: one waiting out flood control when its turn is
// passed stops waiting, and one refused while with Telegram ends at that answer (a 429 sent nothing, so no part is
// sent twice); the later update then edits what was sent into its own list at once. The sending of a list's own
// later parts is cut only once a later update's first part shows (`shown`): a press refused meanwhile hands the list
// back to it, and the rest still goes. Only in a private chat: in a group a press sends no part anew (list-parts.ts),
// so one cut there would be lost for good (source-replacement.ts).
import type { Context, Transformer } from 'grammy';
import { TurnMarks } from '../shared/turn-marks.js';
import type { LaterParts } from './list-parts.js';

/** An update's turn on its message. */
interface Turn {
  /** Cuts the update's waits (flood control, or its turn); never aborted while a request of it is with Telegram. */
  readonly controller: AbortController;
  /** A later update of the message took over: this one begins no further try. */
  passed: boolean;
  /** Its try now with Telegram: settles once Telegram has answered it (or the connection ended). */
  onWire?: Promise<void>;
  /** Settles once no earlier update of the message is with Telegram: this one's first try waits for it. */
  readonly clear: Promise<void>;
  /** Settles once this update and every earlier one of the message have ended, later parts and all (`done`). */
  readonly ended: Promise<void>;
  /**
   * It sends the later parts of a list just sent (replies.ts `sendLater`): a later update lets it go on until its own
   * first part shows (`cut`), and its first part does not wait for these sends, which are of other messages.
   */
  readonly partsOnly: boolean;
  /** A later update's first part shows: this one (`partsOnly`) begins no further try, its waits ended. */
  cut: boolean;
  /** The turn before it, until this one ended (then every earlier one has): a later update's `shown` cuts them. */
  earlier?: Turn;
  /** Its waits were cut (`stopWaits`), the abort perhaps still to come. */
  waitsCut: boolean;
  /** Refusals of its tries handed back to auto-retry within this macrotask (`inPlaceTries`): its pause is to come. */
  handing: number;
}

/** Whether the turn begins no further try, and ends at a refusal rather than wait it out. */
const over = (turn: Turn) => (turn.partsOnly ? turn.cut : turn.passed);

/**
 * Aborts `turn`'s waits. A refusal just handed back to auto-retry reaches its pause() a few microtasks later, and that
 * pause (auto-retry 2.0.2) never looks at `signal.aborted`: aborted before it listens, the whole retry_after would be
 * waited. So then the abort comes once those microtasks ran (the next macrotask), when the pause hears it.
 */
function stopWaits(turn: Turn): void {
  turn.waitsCut = true;
  if (turn.handing > 0) setImmediate(() => turn.controller.abort());
  else turn.controller.abort();
}

/** Ends what `turn` waits for (flood control) now; a try of it with Telegram is let be, and ends at a refusal. */
function cut(turn: Turn): void {
  turn.cut = true;
  if (!turn.onWire) stopWaits(turn);
}

/**
 * The latest turn started on each message (by chat and message id, or inline message id), per bot: keyed by the
 * later parts its replies and its presses share.
 */
const latest = new WeakMap<LaterParts, Map<string, Turn>>();
/** Each turn by its signal, the one thing of its requests that reaches `inPlaceTries`. */
const bySignal = new WeakMap<object, Turn>();
/** When the latest turn on each message began, per bot (`turnsBegun`, `begunSince`). */
const begun = new WeakMap<LaterParts, TurnMarks>();

function marksOf(parts: LaterParts): TurnMarks {
  const marks = begun.get(parts) ?? new TurnMarks();
  begun.set(parts, marks);
  return marks;
}

/** A mark of how many turns of the bot have begun so far: `begunSince` compares a message's latest one with it. */
export const turnsBegun = (parts: LaterParts) => marksOf(parts).mark();

/** Whether a turn on message `key` began after `mark` (`turnsBegun`). */
export const begunSince = (parts: LaterParts, key: string, mark: number) => marksOf(parts).since(key, mark);

/** grammY types its signal as its abort-controller shim's; Node's own is what it takes at run time. */
export type GrammySignal = Parameters<Context['api']['editMessageText']>[4];
export const grammySignal = (signal: AbortSignal) => signal as GrammySignal;

/** The key of a chat's message a turn is on (an inline message's is `inline:` and its id). */
export const placeKey = (chatId: number, messageId: number) => `${chatId}:${messageId}`;

/** `before` is passed: what it waits for is cut short, a try of it with Telegram is let be and waited for. */
function takeOver(before: Turn): Promise<void> {
  before.passed = true;
  // Its sends are of other messages: the later update's first part need not wait for them (cut once it shows).
  if (before.partsOnly) return before.clear;
  if (before.onWire) return before.onWire;
  stopWaits(before);
  return before.clear;
}

/**
 * A turn on message `key` of the bot whose later parts `parts` are: it ends the one before it still under way
 * (dropped however it ends), and is ended in turn by the next. `clear` is to be awaited before the first request,
 * `before` before the later parts; every request carries `signal`; `passed` says a later update took over; `shown`
 * says its first part shows where it sends anew the parts it needs, a private chat (the sending of a list's own later
 * parts before it is cut then); `refused` hands the turn back to the one before when its first part was refused;
 * `done` is always called. `partsOnly`: the turn sends a list's own later parts (replies.ts `sendLater`), and
 * `stopped` says when it is to send no more.
 */
export function takeTurn(parts: LaterParts, key: string, { partsOnly = false } = {}) {
  const turns = latest.get(parts) ?? new Map<string, Turn>();
  latest.set(parts, turns);
  const before = turns.get(key);
  let end = () => {};
  const own = new Promise<void>((resolve) => {
    end = resolve;
  });
  const earlier = before?.ended ?? Promise.resolve();
  const turn: Turn = {
    controller: new AbortController(),
    passed: false,
    clear: before ? takeOver(before) : Promise.resolve(),
    ended: Promise.all([earlier, own]).then(() => undefined),
    partsOnly,
    cut: false,
    ...(before ? { earlier: before } : {}),
    waitsCut: false,
    handing: 0,
  };
  // Ended, so has every earlier one: nothing before it is left to cut.
  void turn.ended.then(() => {
    turn.earlier = undefined;
  });
  turns.set(key, turn);
  bySignal.set(turn.controller.signal, turn);
  marksOf(parts).begin(key);
  return {
    signal: turn.controller.signal,
    clear: turn.clear,
    before: earlier,
    passed: () => turn.passed,
    stopped: () => over(turn),
    shown: () => {
      for (let at = turn.earlier; at; at = at.earlier) if (at.partsOnly && !at.cut) cut(at);
    },
    // Nothing of this update was shown: the one before goes on as if it had not come (an answer's later parts would
    // else stop short, with nobody to send the rest), unless its waits were already cut.
    refused: () => {
      if (before && !before.waitsCut && !before.cut) before.passed = false;
    },
    done: () => {
      end();
      // Kept until the earlier ones have ended too: the next update must still wait for them.
      void turn.ended.then(() => {
        if (turns.get(key) === turn) turns.delete(key);
      });
    },
  };
}

export type EditTurn = ReturnType<typeof takeTurn>;

/**
 * Installed inside auto-retry, so that each try of an in-place edit (or of a list's later part) passes here: none is
 * begun once a later edit took over, and one under way is marked, for a later edit to wait for it rather than cut it.
 * One refused after a later edit took over ends at once, as one waiting to be tried again would (`takeOver`, `cut`).
 */
export const inPlaceTries: Transformer = async (prev, method, payload, signal) => {
  const turn = signal ? bySignal.get(signal) : undefined;
  if (!turn) return prev(method, payload, signal);
  if (over(turn)) throw new Error('a later edit of this message took over');
  const attempt = prev(method, payload, signal);
  turn.onWire = attempt.then(
    () => undefined,
    () => undefined,
  );
  try {
    const answer = await attempt;
    // Overtaken while with Telegram and refused (a 429, a 5xx): auto-retry would wait out retry_after or its backoff
    // before a try this edit never makes; it ends now instead.
    if (over(turn) && !answer.ok) throw new Error('a later edit of this message took over');
    // Passed from now until auto-retry's pause listens, its abort is put off till then (`stopWaits`).
    if (!answer.ok) {
      turn.handing += 1;
      setImmediate(() => {
        turn.handing -= 1;
      });
    }
    return answer;
  } finally {
    turn.onWire = undefined;
  }
};
