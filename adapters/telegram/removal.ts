// The bot was removed from a chat (kicked or made to leave a group, or blocked by a user in a private chat: a
// `my_chat_member` update with the bot's new status `kicked` or `left`). Telegram refuses every message to that chat
// from then on, so its unfinished jobs would spend the GPU on endings nobody gets, and each progress edit would be
// one more refused call: they are withdrawn (`Commands.withdraw`: a waiting job is cancelled, a running one
// aborted). Their endings are then marked undelivered as any ending the chat refuses. Other platforms' jobs are left
// alone. A group upgraded to a supergroup is no removal: Telegram sends the bot no `left` for the old group
// (tdlib/telegram-bot-api#266), and its jobs go on in the new chat (migrations.ts).
import type { Context } from 'grammy';
import type { Commands } from '../../commands/index.js';
import type { Logger } from '../../src/log.js';

const GONE_FOR_GOOD = new Set(['kicked', 'left']);

export function onBotRemoved(
  commands: Pick<Commands, 'unfinishedIn' | 'withdraw' | 'context'>,
  ctx: Context,
  log: Pick<Logger, 'info'>,
): void {
  const change = ctx.myChatMember;
  if (!change || !GONE_FOR_GOOD.has(change.new_chat_member.status)) return;
  const scope = `chat:${change.chat.id}`;
  const jobs = commands.unfinishedIn(scope).filter(({ job }) => job.owner.platform === 'telegram');
  for (const { job } of jobs) commands.withdraw(commands.context({ user: job.owner, scope }), [job.id]);
  log.info(
    { chatId: change.chat.id, status: change.new_chat_member.status, withdrawn: jobs.length },
    'telegram: removed from a chat; its unfinished jobs were withdrawn',
  );
}
