// Albums (media groups) arrive as one update per item sharing a `media_group_id`, the caption on one of them.
// Items are collected until the album has been quiet for a moment, then handed over together in message order,
// so "photo + mask" or "photo + reference" sent as one album is one command.

interface Pending<T> {
  items: Array<{ order: number; item: T }>;
  timer: NodeJS.Timeout;
}

export class AlbumCollector<T> {
  private readonly pending = new Map<string, Pending<T>>();

  constructor(
    private readonly quietMs: number,
    private readonly onAlbum: (items: T[]) => void,
    /** Albums hold at most 10 items; anything beyond is not an album Telegram would send. */
    private readonly maxItems = 10,
  ) {}

  add(groupId: string, order: number, item: T): void {
    const entry = this.pending.get(groupId);
    if (entry) clearTimeout(entry.timer);
    const items = entry?.items ?? [];
    if (items.length < this.maxItems) items.push({ order, item });
    const timer = setTimeout(() => this.handOver(groupId), this.quietMs);
    this.pending.set(groupId, { items, timer });
  }

  /** Albums still gathering. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Hands over every album still being collected, now (shutdown): Telegram will not send their updates again (an
   * album not handed over waits in the inbox for the next start, inbox.ts).
   */
  flush(): void {
    for (const groupId of [...this.pending.keys()]) this.handOver(groupId);
  }

  private handOver(groupId: string): void {
    const entry = this.pending.get(groupId);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(groupId);
    this.onAlbum(entry.items.sort((a, b) => a.order - b.order).map((i) => i.item));
  }
}
