import type { RouteReply } from './errors.js';

/** Discord's per-route limits, shrunk for tests: `limit` calls per `windowMs` in each bucket. */
export interface RouteLimits {
  limit: number;
  windowMs: number;
}

/** Discord allows 5 message posts per 5 s per channel; the window is shrunk (as the other limits) to keep tests quick. */
export const DEFAULT_ROUTE_LIMITS: RouteLimits = { limit: 5, windowMs: 1000 };

/**
 * The limited routes, each a bucket of its own (Discord's hashes are opaque; these only have to differ), and the
 * parameter that splits it (Discord's "major parameter": the channel, or the interaction's webhook).
 */
const BUCKETS: Record<string, { hash: string; major: (params: Record<string, string>) => string }> = {
  'POST /channels/:channel/messages': {
    hash: '80c17d2f203122d936070c88c8d10f33',
    major: (p) => p.channel ?? '',
  },
  'PATCH /channels/:channel/messages/:message': {
    hash: 'b6e1f8a42c3d59e07a1f0b9c4d2e6a71',
    major: (p) => p.channel ?? '',
  },
  'POST /webhooks/:app/:token': {
    hash: '3c9a0e17d5b24f6c8e1a7d0b2f4c6e88',
    major: (p) => `${p.app}/${p.token}`,
  },
  'PATCH /webhooks/:app/:token/messages/:message': {
    hash: '3c9a0e17d5b24f6c8e1a7d0b2f4c6e88',
    major: (p) => `${p.app}/${p.token}`,
  },
};

interface Window {
  used: number;
  resetAt: number;
}

/**
 * Per-bucket counters with a fixed window, as Discord reports them on every answer of a limited route
 * (`X-RateLimit-*`). discord.js reads them and holds the next call of a spent bucket until its reset; a call that
 * comes anyway gets a 429 and does nothing.
 */
export class RouteBuckets {
  readonly #windows = new Map<string, Window>();

  /** False: no route is limited and no header sent. */
  limits: RouteLimits | false;

  constructor(limits: RouteLimits | false) {
    this.limits = limits;
  }

  /** New limits from now on; counts so far are dropped. */
  set(limits: RouteLimits | false): void {
    this.limits = limits;
    this.#windows.clear();
  }

  /** Counts a call: undefined for an unlimited route, else its headers, or the 429 when its bucket is spent. */
  take(
    route: string,
    params: Record<string, string>,
    now = Date.now(),
  ): { headers: Record<string, string>; refused?: RouteReply } | undefined {
    const bucket = BUCKETS[route];
    const limits = this.limits;
    if (!bucket || !limits) return undefined;
    const key = `${bucket.hash}:${bucket.major(params)}`;
    let window = this.#windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { used: 0, resetAt: now + limits.windowMs };
      this.#windows.set(key, window);
    }
    const resetAfter = (window.resetAt - now) / 1000;
    const headers = (remaining: number) => ({
      'x-ratelimit-limit': String(limits.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': (window.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': bucket.hash,
    });
    if (window.used >= limits.limit) {
      return {
        headers: headers(0),
        refused: {
          status: 429,
          body: { message: 'You are being rate limited.', retry_after: resetAfter, global: false },
          headers: {
            ...headers(0),
            'retry-after': String(Math.ceil(resetAfter)),
            'x-ratelimit-scope': 'user',
          },
        },
      };
    }
    window.used += 1;
    return { headers: headers(limits.limit - window.used) };
  }
}
