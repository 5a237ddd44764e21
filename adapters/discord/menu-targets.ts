// The images of the messages the message menus were used on, as each menu's interaction brought them. Without the
// privileged Message Content intent Discord sends another member's server message with no attachments, over the
// gateway and over REST alike; a menu's target, in the interaction's resolved data, is the one exception. So the
// pick or the modal that comes back afterwards takes the images from here instead of fetching the message again.
import type { Attachment } from 'discord.js';

/** As long as the menu's interaction token lives: a pick or a modal is answered within it, or the user moved on. */
export const MENU_TARGET_LIFETIME_MS = 15 * 60_000;

/** Bounds the memory when many menus are used within one lifetime (the oldest are forgotten first). */
const MAX_TARGETS = 1000;

export class MenuTargets {
  /** In insertion order, which is also expiry order (one lifetime for all). */
  private readonly targets = new Map<string, { images: Attachment[]; until: number }>();

  constructor(
    private readonly lifetimeMs = MENU_TARGET_LIFETIME_MS,
    private readonly now: () => number = Date.now,
  ) {}

  remember(messageId: string, images: readonly Attachment[]): void {
    if (images.length === 0) return;
    this.prune();
    this.targets.delete(messageId);
    this.targets.set(messageId, { images: [...images], until: this.now() + this.lifetimeMs });
    for (const id of this.targets.keys()) {
      if (this.targets.size <= MAX_TARGETS) break;
      this.targets.delete(id);
    }
  }

  /** The images a menu brought for this message, while they are remembered. */
  imagesOf(messageId: string): Attachment[] | undefined {
    const target = this.targets.get(messageId);
    if (!target || target.until <= this.now()) return undefined;
    return target.images;
  }

  private prune(): void {
    const now = this.now();
    for (const [id, target] of this.targets) {
      if (target.until > now) break;
      this.targets.delete(id);
    }
  }
}
