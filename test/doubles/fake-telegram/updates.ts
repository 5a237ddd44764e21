import type { Update } from 'grammy/types';

interface Poller {
  limit: number;
  resolve: (updates: unknown[] | 'conflict') => void;
  timer: NodeJS.Timeout;
}

export interface WebhookConfig {
  url: string;
  secretToken?: string;
}

export interface WebhookDelivery {
  updateId: number;
  status: number | 'network-error';
  at: number;
}

/**
 * Pending updates and their delivery: long-polled `getUpdates` (offset confirms, timeout bounded by
 * `maxLongPollMs`, a newer poll ends an older one with 409 like Telegram) or POSTs to a webhook.
 */
export class UpdateQueue {
  /** Kept as `unknown` payloads so tests can inject malformed updates. */
  readonly pending: Array<{ update_id: number } & Record<string, unknown>> = [];
  readonly deliveries: WebhookDelivery[] = [];
  webhook: WebhookConfig | undefined;
  #nextId = 100_000;
  #poller: Poller | undefined;
  #delivering = false;
  #closed = false;
  #webhookSince = 0;

  constructor(private readonly maxLongPollMs: number) {}

  get lastId(): number {
    return this.#nextId;
  }

  /** Every update ever queued, by update_id, so one can be delivered again. */
  readonly #sent = new Map<number, { update_id: number } & Record<string, unknown>>();

  /** Adds an update (its update_id is assigned here) and wakes a waiting poller or the webhook sender. */
  push(update: Omit<Update, 'update_id'> | Record<string, unknown>): number {
    this.#nextId += 1;
    const queued = { ...update, update_id: this.#nextId };
    this.pending.push(queued);
    this.#sent.set(this.#nextId, queued);
    this.#wake();
    return this.#nextId;
  }

  /**
   * Delivers an update again with its original update_id, as Telegram does after a webhook answer was lost or a
   * poller restarted without confirming it.
   */
  redeliver(updateId: number): void {
    const update = this.#sent.get(updateId);
    if (!update) throw new Error(`fake-telegram: no update ${updateId} was queued`);
    this.pending.push({ ...update });
    this.#wake();
  }

  /** Confirms (drops) every update below `offset`, as Telegram does. */
  confirm(offset: number): void {
    while (this.pending.length > 0 && (this.pending[0]?.update_id ?? 0) < offset) this.pending.shift();
  }

  dropPending(): void {
    this.pending.length = 0;
  }

  /** Resolves with updates, [] after the (bounded) timeout, or 'conflict' when a webhook is set meanwhile. */
  poll(
    limit: number,
    timeoutSeconds: number,
    onClose: (cancel: () => void) => void,
  ): Promise<unknown[] | 'conflict'> {
    // Telegram ends the older of two overlapping polls with 409. grammY's stop() aborts its poll and at once sends
    // a confirming one, and the aborted request often still looks open here: answer it with nothing instead.
    this.#poller?.resolve([]);
    if (this.pending.length > 0 || timeoutSeconds <= 0 || this.#closed) {
      return Promise.resolve(this.pending.slice(0, limit));
    }
    return new Promise((resolve) => {
      const waitMs = Math.min(timeoutSeconds * 1000, this.maxLongPollMs);
      const poller: Poller = {
        limit,
        resolve: (result) => {
          clearTimeout(poller.timer);
          if (this.#poller === poller) this.#poller = undefined;
          resolve(result);
        },
        timer: setTimeout(() => poller.resolve(this.pending.slice(0, limit)), waitMs),
      };
      this.#poller = poller;
      // The client aborted (grammY's bot.stop()): forget the poller without answering.
      onClose(() => {
        clearTimeout(poller.timer);
        if (this.#poller === poller) this.#poller = undefined;
      });
    });
  }

  #wake(): void {
    if (this.#poller) this.#poller.resolve(this.pending.slice(0, this.#poller.limit));
    if (this.webhook) void this.#deliver();
  }

  /** Sends pending updates to the webhook one by one; a failed delivery is retried a few times, then kept. */
  async #deliver(): Promise<void> {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      let failures = 0;
      while (this.webhook && !this.#closed && this.pending.length > 0 && failures < 3) {
        const update = this.pending[0]!;
        const status = await this.#post(this.webhook, update);
        this.deliveries.push({ updateId: update.update_id, status, at: Date.now() });
        if (typeof status === 'number' && status >= 200 && status < 300) {
          this.pending.shift();
          failures = 0;
        } else {
          failures += 1;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  async #post(webhook: WebhookConfig, update: unknown): Promise<number | 'network-error'> {
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(webhook.secretToken ? { 'x-telegram-bot-api-secret-token': webhook.secretToken } : {}),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(5000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 'network-error';
    }
  }

  /** The latest failed post to the current webhook, as getWebhookInfo's last_error_* report it. */
  lastFailure(): WebhookDelivery | undefined {
    return this.deliveries
      .filter((d) => d.at >= this.#webhookSince && !(typeof d.status === 'number' && d.status < 300))
      .at(-1);
  }

  setWebhook(config: WebhookConfig | undefined): void {
    this.webhook = config;
    this.#webhookSince = Date.now();
    if (config) {
      this.#poller?.resolve('conflict');
      void this.#deliver();
    }
  }

  close(): void {
    this.#closed = true;
    this.#poller?.resolve([]);
  }
}
