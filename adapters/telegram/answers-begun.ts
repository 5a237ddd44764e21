// An update whose answer began is not handled again after a crash. The inbox (inbox.ts) hands an update to the next
// start when the process died before its handling ended; a job-making request is then known by its job
// (repeats.ts), but what answers without a job (/help, /queue, /info, /settings, /prefer, a refusal, a question
// asked) would be answered again: a second message in the chat for the one request, the later one possibly saying
// something else (a /queue or /info read after the restart), and what the command changed done twice.
//
// Exactly once cannot be had: Telegram's sendMessage takes no idempotency key and the Bot API cannot read a chat's
// history, so whether a message in flight when the process died arrived is known to no one. One side has to err,
// and here it is the lost answer, never the doubled one: just before the first message answering an update leaves,
// its inbox row is marked (one local write), and the next start drops a marked update instead of handling it, and
// takes Telegram's own second delivery of it (webhook mode: it got no 200) as a repeat. Why that side:
// - A lost answer is seen missing in a bot that just went away: the user asks again and gets the current answer. A
//   doubled one stays in the chat (in a group, for everyone), its copy possibly contradicting the first.
// - The windows are alike: the answer is lost only if the process dies while the message travels to Telegram, as it
//   was doubled if the process died while Telegram's reply travelled back (and until the handling ended). A reply of
//   several messages cut by a crash is no longer sent again whole: its later messages are lost instead. Wider on one
//   side: the mark is made as the first try leaves (outside grammY's auto-retry), so a crash while a 429's
//   retry_after is waited out (up to a minute, in a busy group) loses an answer Telegram never took; marking inside
//   the retries would need the mark taken back on a refused try.
// - An update whose answering kills the process (too large, a bug in sending) is not tried again.
// The log names the updates dropped so. Only a new message counts (send*, copy, forward): an edit, a deletion, a
// chat action or the answer to a button press changes nothing when done twice. The updates a message answers are
// known by the async context its handling runs in (`during`), so every path that sends counts (a reply, the guard's
// refusal through the update's own API, a question, a private reply), and so will a future one.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Transformer } from 'grammy';

/** Bot API methods that post a message of their own; `sendChatAction` posts none. */
const NEW_MESSAGE = /^(send(?!ChatAction$)|copyMessages?$|forwardMessages?$)/;

export class AnswersBegun {
  /** The updates the code running now handles (an album's items together). */
  private readonly handling = new AsyncLocalStorage<readonly number[]>();

  /** `mark` records that the answer of these updates began (TelegramInbox `answering`); it must not throw. */
  constructor(private readonly mark: (updateIds: readonly number[]) => void) {}

  /** Runs `work` as the handling of these updates: a message it sends marks them. */
  during<T>(updateIds: readonly number[], work: () => T): T {
    return this.handling.run(updateIds, work);
  }

  /**
   * The API transformer (installed on the bot's API, which every update's own API copies) that marks the updates
   * being handled before a new message leaves.
   */
  readonly transformer: Transformer = (call, method, payload, signal) => {
    const updates = NEW_MESSAGE.test(method) ? this.handling.getStore() : undefined;
    if (updates !== undefined) this.mark(updates);
    return call(method, payload, signal);
  };
}
