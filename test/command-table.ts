// The table of chat commands that tests hold the registry to, written out by hand (not read from the registry):
// a command dropped, renamed or reordered there fails every test that compares against it.

/** The chat commands of the table, in its order (Telegram-only /start is not one). */
export const CHAT_COMMANDS: readonly string[] = [
  'imagine',
  'edit',
  'describe',
  'retouch',
  'outpaint',
  'queue',
  'info',
  'cancel',
  'settings',
  'prefer',
  'block',
  'unblock',
  'help',
];
/** Those only admins see: Telegram's menu leaves them out. */
export const ADMIN_COMMANDS: readonly string[] = ['block', 'unblock'];
