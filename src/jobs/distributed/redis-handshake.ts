// What QUEUE_URL's server says while this process's main connection shakes hands: a server that is not Redis is
// named as the misconfiguration it is, from that connection's own errors only (another connection's error, a
// subscriber's or BullMQ's, may come while this one happens to be mid-handshake, and says nothing of the server).
import { type Redis, ReplyError } from 'ioredis';

/**
 * Reports `redis`'s errors to `report`, one while it is connected but not yet ready and no Redis reply said as a
 * server that is not Redis; a silent close then too. `ready` is called on each ready. Returns what to call before
 * closing `redis` ourselves: closed by us mid-handshake (Redis away at shutdown) is no server's doing.
 */
export function watchHandshake(redis: Redis, report: (error: Error) => void, ready: () => void): () => void {
  /** Host and port of QUEUE_URL, never its password. */
  const endpoint = `${redis.options.host}:${redis.options.port}`;
  let handshaking = false;
  // A Redis reply during the handshake (WRONGPASS, NOAUTH) proves the server is Redis: ioredis then closes the
  // connection itself, and that close must not be said as a server that is not Redis (the operator would read it
  // instead of the credentials line).
  let answered = false;
  // What a server that is not Redis (RabbitMQ's "AMQP" greeting, NATS's "INFO") makes ioredis say reads as its bug
  // ("Unknown RESP type 65 "A". Please report this.") or as a reset: said as the misconfiguration it is.
  redis.on('error', (error: Error) => {
    if (error instanceof ReplyError) answered = true;
    report(
      handshaking && !answered
        ? new Error(
            `${endpoint} took the connection but does not answer as Redis (${error.message}): check QUEUE_URL`,
          )
        : error,
    );
  });
  redis.on('connect', () => {
    handshaking = true;
    answered = false;
  });
  redis.on('ready', () => {
    handshaking = false;
    ready();
  });
  // A server that took the connection and closed it without a word (PostgreSQL on QUEUE_URL's port, or a proxy with
  // nothing behind it: docker-proxy before Redis listens, HAProxy with its backend down) reports no error at all:
  // ioredis would reconnect to it for ever in silence.
  redis.on('close', () => {
    if (handshaking && !answered)
      report(
        new Error(
          `${endpoint} closed the connection without answering (not Redis, or nothing behind a proxy): check QUEUE_URL`,
        ),
      );
    handshaking = false;
  });
  return () => {
    handshaking = false;
  };
}
