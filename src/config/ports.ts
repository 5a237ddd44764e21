// Two of the bot's servers set to one port: the second fails to listen only once the model has loaded (minutes for
// the 8B checkpoint), or, for /metrics, the bot runs without its probes. Said at once, naming both variables. Only
// `npm start` checks it, with the adapters it plans: a `dimoo worker` serves /metrics alone, on any port.
import type { Config } from './index.js';

/** The playground's port without WEB_PORT (adapters/web DEFAULT_PLAYGROUND_PORT, which config may not import). */
export const PLAYGROUND_DEFAULT_PORT = 8080;

interface Listener {
  variable: string;
  host: string;
  port: number;
  /** Why the port is this one when its variable is not set. */
  implied?: string;
}

/** The servers this configuration starts beside the given adapters, each with the variable that sets its port. */
function listeners(config: Config, adapters: readonly string[]): Listener[] {
  const found: Listener[] = [];
  if (config.metrics.port !== undefined)
    found.push({ variable: 'METRICS_PORT', host: config.metrics.host, port: config.metrics.port });
  if (adapters.includes('playground'))
    found.push({
      variable: 'WEB_PORT',
      host: config.web.host,
      port: config.web.port ?? PLAYGROUND_DEFAULT_PORT,
      implied: config.web.port === undefined ? 'the playground’s default' : undefined,
    });
  const { telegram, discord } = config;
  if (adapters.includes('telegram') && telegram.webhookUrl)
    found.push({ variable: 'TELEGRAM_WEBHOOK_PORT', host: telegram.webhookHost, port: telegram.webhookPort });
  if (adapters.includes('discord') && discord.interactions)
    found.push({
      variable: 'DISCORD_INTERACTIONS_PORT',
      host: discord.interactions.host,
      port: discord.interactions.port,
    });
  return found;
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
        variable: server.variable,
        problem: `is ${server.port}${implied}, the port ${earlier.variable} already takes: each server needs a port of its own`,
      },
    ];
  });
}
