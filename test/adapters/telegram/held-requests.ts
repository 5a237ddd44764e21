// Requests to a Telegram double held until the test lets them go: for tests that must see what the bot does while a
// request is still on its way (an edit Telegram is slow to make, a 429 it answers once released).

/** Telegram's answer a released request gets instead of the double's own. */
export type HeldAnswer =
  | { ok: true; result: unknown }
  | { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };

export interface Hold {
  /** Settles once a matching request arrived. */
  reached: Promise<void>;
  /** Lets the request go on; with `answer`, that is Telegram's answer to it. */
  release(answer?: HeldAnswer): void;
}

type Match = (method: string, params: Record<string, unknown>) => boolean;

export class HeldRequests {
  private readonly holds: { match: Match; reach: () => void; held: Promise<HeldAnswer | undefined> }[] = [];

  /** Holds the next request `match` accepts (each hold, once). */
  hold(match: Match): Hold {
    let reach = () => {};
    let release: (answer?: HeldAnswer) => void = () => {};
    const reached = new Promise<void>((resolve) => {
      reach = resolve;
    });
    const held = new Promise<HeldAnswer | undefined>((resolve) => {
      release = resolve;
    });
    this.holds.push({ match, reach, held });
    return { reached, release };
  }

  /**
   * The wait of a request a hold matches (until released: the answer it was released with, if any), or undefined at
   * once, without a turn, when none does: a request no test holds goes on in the same turn as before.
   */
  take(method: string, params: Record<string, unknown>): Promise<HeldAnswer | undefined> | undefined {
    const at = this.holds.findIndex((h) => h.match(method, params));
    if (at < 0) return undefined;
    const [h] = this.holds.splice(at, 1);
    h?.reach();
    return h?.held;
  }
}
