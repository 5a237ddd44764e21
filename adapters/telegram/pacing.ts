// Outgoing pacing for messages that may wait or be merged (progress and queue-position edits). Telegram allows
// about one message a second per chat, 20 a minute in groups and ~30 a second overall, sends and edits together;
// each edit books the next free slot of its chat (and of the bot as a whole) so many jobs in one chat, or many
// waiting users at once, never add up to a burst.

export interface PacerGaps {
  privateMs: number;
  groupMs: number;
  /** Between any two paced messages of the bot, whatever the chat. */
  globalMs: number;
}

export class ChatPacer {
  private readonly nextAt = new Map<number, number>();
  /** Booked global slots (time / globalMs), so two chats never get the same instant. */
  private readonly taken = new Set<number>();

  constructor(
    private readonly gaps: PacerGaps,
    private readonly now: () => number = Date.now,
  ) {}

  /** Books the chat's next free slot and returns how long to wait for it (0 = now). */
  reserve(chatId: number, group: boolean): number {
    const now = this.now();
    let at = Math.max(now, this.nextAt.get(chatId) ?? 0);
    if (this.gaps.globalMs > 0) {
      let slot = Math.ceil(at / this.gaps.globalMs);
      while (this.taken.has(slot)) slot += 1;
      this.taken.add(slot);
      at = Math.max(at, slot * this.gaps.globalMs);
    }
    this.nextAt.set(chatId, at + this.gap(group));
    this.prune(now);
    return at - now;
  }

  /** A message sent without waiting (a command's answer, a result): later edits keep their distance from it. */
  note(chatId: number, group: boolean): void {
    const now = this.now();
    this.nextAt.set(chatId, Math.max(this.nextAt.get(chatId) ?? 0, now + this.gap(group)));
    this.prune(now);
  }

  private gap(group: boolean): number {
    return group ? this.gaps.groupMs : this.gaps.privateMs;
  }

  /** Chats whose slot is in the past need no entry: keeps the map as small as the set of busy chats. */
  private prune(now: number): void {
    if (this.nextAt.size >= 1000) {
      for (const [chat, at] of this.nextAt) if (at <= now) this.nextAt.delete(chat);
    }
    if (this.taken.size >= 1000) {
      for (const slot of this.taken) if (slot * this.gaps.globalMs < now) this.taken.delete(slot);
    }
  }
}
