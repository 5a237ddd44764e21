// Which Bot API calls grammY's auto-retry may try again. A 429 (flood control) refused the call, so every method
// waits it out and goes again. A 5xx is no such refusal: Telegram's gateway may time out on a call its servers went on
// to carry out (a photo delivered, answered 502). Sent again, it would reach the user twice; so only calls that do
// the same when done twice (edits, deletions, reads, settings) are retried after one, and a send's 5xx reaches its
// caller, who treats it as a send that may or may not have arrived (job-messages.ts). A lost connection is never
// retried here, for the same reason.
import { autoRetry } from '@grammyjs/auto-retry';
import { GrammyError, HttpError, type Transformer } from 'grammy';

/** Methods whose second run changes nothing the first did not (a method missing here is taken as a send). */
const REPEATABLE = new Set([
  'getMe',
  'getUpdates',
  'getFile',
  'getChat',
  'getChatMember',
  'getWebhookInfo',
  'setWebhook',
  'deleteWebhook',
  'getMyCommands',
  'setMyCommands',
  'deleteMyCommands',
  'editMessageText',
  'editMessageCaption',
  'editMessageMedia',
  'editMessageReplyMarkup',
  'deleteMessage',
  'deleteMessages',
  // A chat action lasts 5 s and shows once however often it is sent.
  'sendChatAction',
  // Not answerCallbackQuery: a second answer to a query the first one reached is refused (400, query ID invalid),
  // which reads as an alert never shown, and tellPresser would post its words in the chat as well.
]);

/** Whether a 5xx answer to `method` may be followed by the same call again. */
export function repeatable(method: string): boolean {
  return REPEATABLE.has(method);
}

/**
 * The bot's auto-retry: 429s waited out up to `maxDelaySeconds` for every call, 5xx answers retried (3 tries at most)
 * only for `repeatable` methods.
 */
export function retries(maxDelaySeconds: number): Transformer {
  const common = { maxRetryAttempts: 3, maxDelaySeconds, rethrowHttpErrors: true };
  const retryingAll = autoRetry(common);
  const floodOnly = autoRetry({ ...common, rethrowInternalServerErrors: true });
  return (prev, method, payload, signal) =>
    (repeatable(method) ? retryingAll : floodOnly)(prev, method, payload, signal);
}

/**
 * A send that failed this way may still have reached the chat: Telegram answered 5xx (its gateway gave up waiting), or
 * the connection broke before the answer came.
 */
export function mayHaveArrived(error: unknown): boolean {
  return (error instanceof GrammyError && error.error_code >= 500) || error instanceof HttpError;
}
