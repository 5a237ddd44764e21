// An update whose answer began is not handled again after a crash. The inbox (inbox.ts) hands an update to the next
// start when the process died before its handling ended; a job-making request is then known by its job
// (repeats.ts), but what answers without a job (/help, /queue, /info, /settings, /prefer, a refusal, a question
// asked) would be answered again: a second message in the chat for the one request, the later one possibly saying
// something else (a /queue or /info read after the restart), and what the command changed done twice.
//
// Exactly once cannot be had: Telegram's sendMessage takes no idempotency key and the Bot API cannot read a chat's
// history, so whether a message in flight when the process died arrived is known to no one. One side has to err,
// and here it is the lost answer, never the doubled one: just before a try of a message answering an update leaves,
// its inbox row is marked (one local write), and the next start drops a marked update instead of handling it, and
// takes Telegram's own second delivery of it (webhook mode: it got no 200) as a repeat. Why that side:
// - A lost answer is seen missing in a bot that just went away: the user asks again and gets the current answer. A
//   doubled one stays in the chat (in a group, for everyone), its copy possibly contradicting the first.
// - The windows are alike: the answer is lost only if the process dies while the message travels to Telegram, as it
//   was doubled if the process died while Telegram's reply travelled back (and until the handling ended). A reply of
//   several messages cut by a crash is no longer sent again whole: its later messages are lost instead.
// - An update whose answering kills the process (too large, a bug in sending) is not tried again.
// The rule, per try (the transformer sits inside grammY's auto-retry, so it sees every try, not the call):
// - a try about to leave marks its updates;
// - a try Telegram answered with a 4xx (429 flood control, 400, 403…) posted nothing: Telegram read the request and
//   refused it whole. Once no try of the update is in flight and none may have posted, the mark is taken back, so a
//   crash while a 429's retry_after is waited out (up to a minute in a busy group) hands the update to the next
//   start, which answers it;
// - a try answered ok, or with a 5xx (a gateway's 502 may come after the message was posted), or that got no answer
//   (a network error, a timeout, an abort, a body that is no JSON) may have posted: its mark stays for good.
// Once the inbox closed (a handling that outlived the stop), marks can be written no more: a try that would begin an
// answer whose update the next start handles again (its row kept and not marked) is held back (`AnswerHeldBack`),
// so that start's answer is the only one; a try for an update already marked, set aside with its notice, or not
// kept goes as before. The log names the updates dropped so. Only a new message counts (send*, copy, forward): an
// edit, a deletion, a chat action or the answer to a button press changes nothing when done twice. The updates a
// message answers are known by the async context its handling runs in (`during`), so every path that sends counts
// (a reply, the guard's refusal through the update's own API, a question, a private reply), and so will a future one.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Transformer } from 'grammy';

/** Bot API methods that post a message of their own; `sendChatAction` posts none. */
const NEW_MESSAGE = /^(send(?!ChatAction$)|copyMessages?$|forwardMessages?$)/;

/** What the inbox does with the tries of an answer (TelegramInbox `answering`, `tryEnded`); neither throws. */
export interface AnswerMarks {
  /** A try answering these updates is about to leave: marks them; false when it must not leave (held back). */
  answering(updateIds: readonly number[]): boolean;
  /** That try ended: `mayHavePosted` unless Telegram refused it with a 4xx. */
  tryEnded(updateIds: readonly number[], mayHavePosted: boolean): void;
}

/** A message not sent: the inbox closed and the next start handles its update again, and answers it then. */
export class AnswerHeldBack extends Error {
  constructor(method: string) {
    super(`telegram ${method} held back: the next start handles its update again`);
    this.name = 'AnswerHeldBack';
  }
}

/** Whether Telegram's answer proves the try posted nothing: it read the request and refused it (4xx). */
export function refusedUnsent(answer: { ok: boolean; error_code?: number }): boolean {
  const code = answer.ok ? undefined : answer.error_code;
  return code !== undefined && code >= 400 && code < 500;
}

export class AnswersBegun {
  /** The updates the code running now handles (an album's items together). */
  private readonly handling = new AsyncLocalStorage<readonly number[]>();

  constructor(private readonly marks: AnswerMarks) {}

  /** Runs `work` as the handling of these updates: a message it sends marks them. */
  during<T>(updateIds: readonly number[], work: () => T): T {
    return this.handling.run(updateIds, work);
  }

  /**
   * The API transformer (installed on the bot's API before auto-retry, so that it wraps each try; every update's own
   * API copies it) that marks the updates being handled before a try of a new message leaves.
   */
  readonly transformer: Transformer = async (call, method, payload, signal) => {
    const updates = NEW_MESSAGE.test(method) ? this.handling.getStore() : undefined;
    if (updates === undefined) return call(method, payload, signal);
    if (!this.marks.answering(updates)) throw new AnswerHeldBack(method);
    let mayHavePosted = true;
    try {
      const answer = await call(method, payload, signal);
      mayHavePosted = !refusedUnsent(answer);
      return answer;
    } finally {
      this.marks.tryEnded(updates, mayHavePosted);
    }
  };
}
