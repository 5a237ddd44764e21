// Whether the bot can hear Discord, for the operators' /readyz. A gateway that stays down leaves a process that
// looks alive while every slash command times out ("The application did not respond"); an orchestrator should
// restart it or page someone. Most drops heal by themselves: discord.js resumes half a second after a close and
// replays what was missed, and Discord closes sessions routinely (op 7 reconnect, zombie heartbeats, its own
// restarts; a fresh identify may wait out the 5 s identify limit). So a shard counts as down only after
// GATEWAY_GRACE_MS without READY or RESUMED: long past any routine reconnect, so /readyz never flaps, and short
// enough that a dead session is reported while users are still trying. A close that discord.js never recovers from
// (4004 a revoked token, 4014 intents refused, …) is reported at once: no wait fixes it.
import { type Client, GatewayCloseCodes } from 'discord.js';
import type { Logger } from '../../src/log.js';

export const GATEWAY_GRACE_MS = 60_000;

export interface GatewayHealthOptions {
  graceMs?: number;
  now?: () => number;
  /**
   * Interactions arrive over HTTP (DISCORD_INTERACTIONS_PORT): slash commands and buttons keep working while the
   * gateway reconnects, so only a close that never heals is reported. A 503 for a passing outage would take the
   * interactions endpoint out of its load balancer too, cutting the path that still works.
   */
  interactionsOverHttp?: boolean;
}

export class GatewayHealth {
  /** Shards without a session, and since when. */
  private readonly down = new Map<number, number>();
  private fatal?: string;
  private readonly now: () => number;
  private readonly graceMs: number;

  constructor(private readonly options: GatewayHealthOptions = {}) {
    this.now = options.now ?? Date.now;
    this.graceMs = options.graceMs ?? GATEWAY_GRACE_MS;
  }

  /** The shard's connection closed and discord.js is reconnecting: down since the first close, not the latest. */
  reconnecting(shardId: number): void {
    if (!this.down.has(shardId)) this.down.set(shardId, this.now());
  }

  /** READY or RESUMED: the shard hears Discord again. */
  ready(shardId: number): void {
    this.down.delete(shardId);
  }

  /** discord.js gave the shard up (it emits shardDisconnect only for the closes it never recovers from). */
  disconnected(shardId: number, code: number): void {
    const name = GatewayCloseCodes[code] ?? 'unknown';
    this.fatal = `gateway closed with ${code} (${name}) on shard ${shardId} and will not reconnect`;
  }

  /** The /readyz reason, or undefined while the bot hears Discord (or has not been down for long). */
  problem(): string | undefined {
    if (this.fatal) return this.fatal;
    if (this.options.interactionsOverHttp) return undefined;
    const now = this.now();
    for (const [shardId, since] of this.down) {
      const seconds = Math.round((now - since) / 1000);
      if (now - since >= this.graceMs) return `gateway disconnected for ${seconds} s (shard ${shardId})`;
    }
    return undefined;
  }
}

/** Feeds the client's shard events into `health`; the returned function stops listening. */
export function watchGateway(client: Client, health: GatewayHealth, log?: Pick<Logger, 'error'>): () => void {
  const onReady = (shardId: number) => health.ready(shardId);
  const onReconnecting = (shardId: number) => health.reconnecting(shardId);
  const onDisconnect = (event: { code: number }, shardId: number) => {
    health.disconnected(shardId, event.code);
    log?.error({ code: event.code, shardId }, 'discord gateway closed and will not reconnect');
  };
  client.on('shardReady', onReady);
  client.on('shardResume', onReady);
  client.on('shardReconnecting', onReconnecting);
  client.on('shardDisconnect', onDisconnect);
  return () => {
    client.off('shardReady', onReady);
    client.off('shardResume', onReady);
    client.off('shardReconnecting', onReconnecting);
    client.off('shardDisconnect', onDisconnect);
  };
}
