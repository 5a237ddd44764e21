// A bounded memory of ids already handled: events a platform may deliver twice (a Telegram update_id after a
// restart or a webhook retry, a Discord interaction replayed on resume), or a pass that counts once per job.

export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True the first time an id is seen; false for a repeat. The oldest ids are forgotten past `capacity`. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }
}
