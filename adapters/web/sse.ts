// Server-sent event streams per playground user: each open page of a user gets every update of that user's jobs,
// rendered for the language its browser announced (the caller turns that and the user's settings into a locale).
// A comment line every PING_MS keeps proxies, and the server's own idle limit, from closing a quiet stream.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The longest pause between a stream's heartbeats (server.ts shortens it under a short idle limit). */
export const PING_MS = 15_000;

interface Client {
  res: ServerResponse;
  /** The page's Accept-Language, as it opened the stream. */
  language: string | undefined;
}

export class EventStreams {
  private readonly byUser = new Map<string, Set<Client>>();

  /** `pingMs` must stay well under the server's idle limit (server.ts derives it from that limit). */
  constructor(private readonly pingMs = PING_MS) {}

  /** Turns this response into an event stream for `userId` until the browser closes it. */
  open(userId: string, language: string | undefined, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      // A proxy that compresses (no-transform) or buffers answers (nginx: X-Accel-Buffering) would hold events back.
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    const client = { res, language };
    const set = this.byUser.get(userId) ?? new Set<Client>();
    set.add(client);
    this.byUser.set(userId, set);
    const ping = setInterval(() => res.write(': ping\n\n'), this.pingMs);
    req.on('close', () => {
      clearInterval(ping);
      set.delete(client);
      if (set.size === 0 && this.byUser.get(userId) === set) this.byUser.delete(userId);
    });
  }

  /**
   * Sends one event to every open page of `userId`, rendered for that page's language. Returns whether any page
   * took it: with none open, the event reached nobody (a failed ending is then not told: server.ts).
   */
  send(userId: string, render: (language: string | undefined) => unknown): boolean {
    let wrote = false;
    for (const client of this.byUser.get(userId) ?? []) {
      if (client.res.destroyed || client.res.writableEnded) continue;
      client.res.write(`data: ${JSON.stringify(render(client.language))}\n\n`);
      wrote = true;
    }
    return wrote;
  }

  /**
   * Ends every stream, resolving once each has handed its last bytes to the connection (or `timeoutMs` passed):
   * the shutdown's last events ("the bot is restarting") are often still buffered behind large previews, and
   * destroying the connections right after `end()` dropped them.
   */
  closeAll(timeoutMs = 2000): Promise<void> {
    const ended: Array<Promise<void>> = [];
    for (const set of this.byUser.values())
      for (const { res } of set) {
        ended.push(
          new Promise<void>((resolve) => {
            if (res.writableFinished || res.destroyed) return resolve();
            res.once('finish', resolve);
            res.once('close', resolve);
          }),
        );
        res.end();
      }
    this.byUser.clear();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void Promise.all(ended).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
