// The bot as getMe describes it, for tests that build grammY's Bot or Context without asking Telegram.
import type { UserFromGetMe } from 'grammy/types';

/** Bot 1, @bot; `id` for a test whose bot must be another user (its messages' `from`). */
export function botInfo(id = 1): UserFromGetMe {
  return {
    id,
    is_bot: true,
    first_name: 'Bot',
    username: 'bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
}
