// Telegram refuses (400) an edit to the text and keyboard a message already shows. Such an edit asked for what is
// shown (pressed twice, a state met again after a restart): done, not failed.
import { GrammyError } from 'grammy';

/** Whether `error` is Telegram's "message is not modified": the message already shows what the edit wanted. */
export function notModified(error: unknown): boolean {
  return error instanceof GrammyError && /message is not modified/i.test(error.description);
}
