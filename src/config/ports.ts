// The one table of the servers a start runs, each with the variables that set where it listens. From it: two of
// them set to one port are refused at once, naming both variables; every port is taken before the model loads
// (src/ops/port-reservations.ts: the 8B checkpoint takes minutes, and a port in use was found only after them); and a
// server that still cannot listen is named in one line by the same words. `npm start` uses it with the adapters it
// plans; a `dimoo worker` serves /metrics alone, and a port it cannot take is said by the same line (services.ts).
import type { Config } from './index.js';

/** The playground's port without WEB_PORT (adapters/web DEFAULT_PLAYGROUND_PORT, which config may not import). */
export const PLAYGROUND_DEFAULT_PORT = 8080;

/** The operators' endpoints, or the adapter (src/app.ts AdapterName) whose server it is. */
export type ServerName = 'metrics' | 'playground' | 'telegram' | 'discord';

export interface Listener {
  name: ServerName;
  /** The server, as the line that says it cannot listen names it. */
  what: string;
  portVariable: string;
  hostVariable: string;
  host: string;
  port: number;
  /** Why the port is this one when its variable is not set. */
  implied?: string;
}

/** The servers this configuration starts beside the given adapters, the operators' endpoints first. */
export function listeners(config: Config, adapters: readonly string[]): Listener[] {
  const found: Listener[] = [];
  if (config.metrics.port !== undefined)
    found.push({
      name: 'metrics',
      what: 'the operators’ endpoints (/metrics, /healthz, /readyz)',
      portVariable: 'METRICS_PORT',
      hostVariable: 'METRICS_HOST',
      host: config.metrics.host,
      port: config.metrics.port,
    });
  if (adapters.includes('playground'))
    found.push({
      name: 'playground',
      what: 'the playground',
      portVariable: 'WEB_PORT',
      hostVariable: 'WEB_HOST',
      host: config.web.host,
      port: config.web.port ?? PLAYGROUND_DEFAULT_PORT,
      implied: config.web.port === undefined ? 'the playground’s default' : undefined,
    });
  const { telegram, discord } = config;
  if (adapters.includes('telegram') && telegram.webhookUrl)
    found.push({
      name: 'telegram',
      what: "Telegram's webhook server",
      portVariable: 'TELEGRAM_WEBHOOK_PORT',
      hostVariable: 'TELEGRAM_WEBHOOK_HOST',
      host: telegram.webhookHost,
      port: telegram.webhookPort,
    });
  if (adapters.includes('discord') && discord.interactions)
    found.push({
      name: 'discord',
      what: "Discord's interactions endpoint",
      portVariable: 'DISCORD_INTERACTIONS_PORT',
      hostVariable: 'DISCORD_INTERACTIONS_HOST',
      host: discord.interactions.host,
      port: discord.interactions.port,
    });
  return found;
}

/** The one line for a server that cannot listen; `problem` is listenProblem's (src/ops/listen-problem.ts). */
export function cannotListen(listener: Listener, problem: string): string {
  return `${listener.what} cannot listen: ${problem}. Change ${listener.portVariable} or ${listener.hostVariable}.`;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
const sameName = (host: string) => (host.toLowerCase() === 'localhost' ? '127.0.0.1' : host.toLowerCase());

/** Whether two servers on these hosts and one port would take the same address (a wildcard takes them all). */
function overlap(a: string, b: string): boolean {
  return WILDCARDS.has(a) || WILDCARDS.has(b) || sameName(a) === sameName(b);
}

/** One problem per server whose port an earlier one already takes (`adapters`: those the start plans). */
export function portClashes(
  config: Config,
  adapters: readonly string[],
): Array<{ variable: string; problem: string }> {
  const servers = listeners(config, adapters);
  return servers.flatMap((server, i) => {
    const earlier = servers.slice(0, i).find((o) => o.port === server.port && overlap(o.host, server.host));
    if (!earlier) return [];
    const implied = server.implied ? ` (${server.implied})` : '';
    return [
      {
        variable: server.portVariable,
        problem: `is ${server.port}${implied}, the port ${earlier.portVariable} already takes: each server needs a port of its own`,
      },
    ];
  });
}
