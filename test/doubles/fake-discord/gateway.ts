import type { Server } from 'node:http';
import { type GatewayDispatchPayload, type GatewayGuildCreateDispatchData, GatewayOpcodes } from 'discord.js';
import { type WebSocket, WebSocketServer } from 'ws';
import type { CallRecorder, Recorded } from '../shared/recorder.js';
import { type DiscordWorld, guildCreate } from './builders.js';

/** A gateway frame the client sent (identify, heartbeat, resume, presence …), token removed. */
export interface GatewayFrame extends Recorded {
  op: number;
  d: unknown;
}

interface Session {
  id: string;
  socket: WebSocket;
  intents: number;
}

export interface GatewayOptions {
  /** Hello's heartbeat_interval. discord.js waits interval × jitter before its first beat. */
  heartbeatIntervalMs: number;
  /** When false, heartbeats go unanswered, so the client declares a zombie connection and resumes. */
  ackHeartbeats: boolean;
  /** When set, an IDENTIFY is answered by closing with this code (4004 a bad token, 4014 disallowed intents). */
  refuseIdentify?: number;
  /** The guilds READY lists and GUILD_CREATEs bring, as they are now (none that removed the bot). */
  guilds?: () => GatewayGuildCreateDispatchData[];
}

/**
 * The WebSocket half of the fake: hello → identify → READY (+ GUILD_CREATE), heartbeat acks, resume with replay
 * of missed dispatches, and a way to push any dispatch, well-formed or not.
 */
export class FakeGateway {
  readonly server: WebSocketServer;
  #sessions = new Set<Session>();
  #sequence = 0;
  /** Every dispatch sent, for replay on RESUME. */
  #history: Array<{ s: number; frame: string }> = [];
  #sessionIds = new Set<string>();
  #guildsDelivered = false;

  constructor(
    httpServer: Server,
    private readonly world: DiscordWorld,
    private readonly frames: CallRecorder<GatewayFrame>,
    private readonly url: () => string,
    readonly options: GatewayOptions,
  ) {
    this.server = new WebSocketServer({ server: httpServer, path: '/gateway' });
    this.server.on('connection', (socket) => this.#accept(socket));
  }

  get connected(): number {
    return this.#sessions.size;
  }

  #accept(socket: WebSocket): void {
    let session: Session | undefined;
    socket.send(
      JSON.stringify({
        op: GatewayOpcodes.Hello,
        d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      }),
    );
    socket.on('message', (raw) => {
      let frame: { op?: unknown; d?: unknown };
      try {
        frame = JSON.parse(raw.toString());
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      const op = Number(frame.op);
      this.frames.record({ seq: this.frames.nextSeq(), at: Date.now(), op, d: withoutToken(frame.d) });
      switch (op) {
        case GatewayOpcodes.Heartbeat:
          if (this.options.ackHeartbeats) socket.send(JSON.stringify({ op: GatewayOpcodes.HeartbeatAck }));
          break;
        case GatewayOpcodes.Identify:
          if (this.options.refuseIdentify) {
            socket.close(this.options.refuseIdentify, 'fake-discord: identify refused');
            break;
          }
          session = {
            id: this.world.snowflake(),
            socket,
            intents: Number((frame.d as { intents?: number })?.intents),
          };
          this.#sessionIds.add(session.id);
          this.#sessions.add(session);
          this.#sendReady(session);
          break;
        case GatewayOpcodes.Resume:
          session = this.#resume(socket, frame.d as { session_id?: string; seq?: number });
          break;
        default:
          break;
      }
    });
    socket.on('close', () => {
      if (session) this.#sessions.delete(session);
    });
    socket.on('error', () => socket.terminate());
  }

  #sendReady(session: Session): void {
    const guilds = this.options.guilds ? this.options.guilds() : [guildCreate(this.world)];
    const ready = {
      v: 10,
      user: this.world.botUser,
      guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.url(),
      shard: [0, 1],
      application: { id: this.world.applicationId, flags: 0 },
    };
    this.#send(session.socket, 'READY', ready);
    // discord.js holds its ready event until every guild listed in READY has arrived.
    for (const guild of guilds) this.#send(session.socket, 'GUILD_CREATE', guild);
    this.#guildsDelivered = true;
  }

  #resume(socket: WebSocket, d: { session_id?: string; seq?: number }): Session | undefined {
    if (!d?.session_id || !this.#sessionIds.has(d.session_id)) {
      socket.send(JSON.stringify({ op: GatewayOpcodes.InvalidSession, d: false }));
      return undefined;
    }
    const session: Session = { id: d.session_id, socket, intents: 0 };
    this.#sessions.add(session);
    for (const entry of this.#history) if (entry.s > (d.seq ?? 0)) socket.send(entry.frame);
    this.#send(socket, 'RESUMED', {});
    return session;
  }

  #send(socket: WebSocket, t: string, d: unknown): void {
    this.#sequence += 1;
    const frame = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: this.#sequence, d });
    this.#history.push({ s: this.#sequence, frame });
    if (socket.readyState === socket.OPEN) socket.send(frame);
  }

  /** Sends a dispatch to every identified session. `d` is not validated: malformed payloads are allowed. */
  dispatch(t: GatewayDispatchPayload['t'] | string, d: unknown): void {
    if (!this.#guildsDelivered || this.#sessions.size === 0) {
      throw new Error(`fake-discord: dispatch ${t} before any client identified (await client login first)`);
    }
    this.#sequence += 1;
    const frame = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, s: this.#sequence, d });
    this.#history.push({ s: this.#sequence, frame });
    for (const session of this.#sessions) {
      if (session.socket.readyState === session.socket.OPEN) session.socket.send(frame);
    }
  }

  /** Sends a raw text frame as is, e.g. invalid JSON or a frame without an op. */
  sendRaw(text: string): void {
    for (const session of this.#sessions) session.socket.send(text);
  }

  /** Op 7: Discord asks the client to reconnect and resume. */
  requestReconnect(): void {
    for (const session of this.#sessions) {
      session.socket.send(JSON.stringify({ op: GatewayOpcodes.Reconnect, d: null }));
    }
  }

  /** Drops every connection the way a network failure or a Discord restart would. */
  dropConnections(code = 4000): void {
    for (const session of this.#sessions) session.socket.close(code, 'fake-discord: dropped');
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function withoutToken(d: unknown): unknown {
  if (d && typeof d === 'object' && 'token' in d) return { ...d, token: '[redacted]' };
  return d;
}
