// Outgoing pacing for edits that may wait and be merged (progress and queue-position edits). A lane is what a
// platform limits: Telegram allows about one message a second per chat (20 a minute in groups, ~30 a second
// overall), so its lanes are chats; Discord's are the status messages themselves. Each lane has a queue of jobs
// whose status message has a newer state to show; one timer per lane serves them in turn, a gap apart, each
// showing its latest state when its turn comes. A job that ends leaves the queue without using a turn, and many
// waiting jobs in one lane never add up to a burst.

/** A chat id, a message id: whatever one platform paces. */
export type Lane = string | number;

export interface PacerGaps {
  /** Between two edits in a lane (a private chat; a Discord message). */
  privateMs: number;
  /** Between two edits in a shared lane (a group chat). */
  groupMs: number;
  /** Between any two paced edits of the bot, whatever the chat. */
  globalMs: number;
}

interface ChatState {
  group: boolean;
  /** Keys with a newer state to show, in the order they became dirty (a Set keeps insertion order). */
  dirty: Set<string>;
  lastAt: number;
  timer?: NodeJS.Timeout;
}

/**
 * `flush(key)` shows the latest state of `key` now and returns true, or returns false when there is nothing
 * new to show (the turn then goes to the next key at once).
 */
export class EditPacer {
  private readonly chats = new Map<Lane, ChatState>();
  private globalNextAt = 0;

  constructor(
    private readonly gaps: PacerGaps,
    private readonly flush: (key: string) => boolean,
    // Monotonic: a wall clock set back an hour (NTP, a resumed VM) would hold every chat's edits for that hour.
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `key` (a job) in this chat has something new to show: it gets the chat's next free turn. */
  mark(chatId: Lane, group: boolean, key: string): void {
    const chat = this.chat(chatId, group);
    chat.dirty.add(key);
    this.arm(chatId, chat);
  }

  /** `key` has nothing more to show (its job ended). */
  drop(chatId: Lane, key: string): void {
    this.chats.get(chatId)?.dirty.delete(key);
  }

  /** A message was sent to the chat without waiting (an answer, a result): the next edit keeps its distance. */
  note(chatId: Lane, group: boolean): void {
    this.chat(chatId, group).lastAt = this.now();
  }

  /** Stops every timer (shutdown). */
  clear(): void {
    for (const chat of this.chats.values()) clearTimeout(chat.timer);
    this.chats.clear();
  }

  private chat(chatId: Lane, group: boolean): ChatState {
    let chat = this.chats.get(chatId);
    if (!chat) {
      this.prune();
      chat = { group, dirty: new Set(), lastAt: Number.NEGATIVE_INFINITY };
      this.chats.set(chatId, chat);
    }
    return chat;
  }

  private arm(chatId: Lane, chat: ChatState): void {
    if (chat.timer || chat.dirty.size === 0) return;
    const now = this.now();
    const gap = chat.group ? this.gaps.groupMs : this.gaps.privateMs;
    const at = Math.max(now, chat.lastAt + gap, this.globalNextAt);
    chat.timer = setTimeout(() => this.turn(chatId), at - now);
  }

  private turn(chatId: Lane): void {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    chat.timer = undefined;
    const now = this.now();
    if (now < this.globalNextAt) {
      this.arm(chatId, chat);
      return;
    }
    for (const key of chat.dirty) {
      chat.dirty.delete(key);
      if (this.flush(key)) {
        chat.lastAt = now;
        this.globalNextAt = now + this.gaps.globalMs;
        break;
      }
    }
    this.arm(chatId, chat);
  }

  /** Idle chats whose last message is long past need no entry: the map stays as small as the set of busy chats. */
  private prune(): void {
    if (this.chats.size < 1000) return;
    const now = this.now();
    for (const [id, chat] of this.chats) {
      if (chat.dirty.size === 0 && !chat.timer && now - chat.lastAt > this.gaps.groupMs)
        this.chats.delete(id);
    }
  }
}
