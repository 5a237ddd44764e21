// The login itself, once Discord answers (gateway-reach.ts): the gateway session, the commands where
// DISCORD_GUILD_IDS says, then the interactions endpoint opened and the invite URL said.
import type { Client } from 'discord.js';
import type { Commands } from '../../commands/index.js';
import type { Config } from '../../src/config/index.js';
import type { Logger } from '../../src/log.js';
import { toDiscordCommands } from './command-json.js';
import { registerCommands } from './command-registration.js';
import { inviteUrl } from './invite.js';

export interface LoginParts {
  client: Client;
  config: Config;
  commands: Commands;
  log: Logger;
  /** Hands interactions on from the HTTP endpoint, once the bot can handle them. */
  open: () => void;
  /** Aborted by the bot's stop. */
  stopped: AbortSignal;
}

export async function logIn(token: string, parts: LoginParts): Promise<void> {
  const { client, log } = parts;
  // No session opened after the stop: its destroy has run already, and nothing would close it.
  if (parts.stopped.aborted) return;
  // Tried again after a registration that could not reach Discord: the session is up already.
  if (client.readyAt === null) await readyOrStopped(client, token, parts.stopped);
  // Stopped while discord.js logged in (a login put off until Discord answered): the stop closed the session.
  if (parts.stopped.aborted) return;
  await register(parts);
  parts.open();
  log.info({ user: client.user?.tag }, 'discord connected');
  // Once a start, ready to copy: the application id is the login's own, never typed by hand.
  const appId = client.application?.id;
  if (appId) log.info({ inviteUrl: inviteUrl(appId) }, 'discord: invite the bot to a server with this URL');
}

/**
 * discord.js's login, then its ready event (or the stop). Both listeners go when it ends: a login that fails is tried
 * again through an outage, and listeners left by each try end in Node's "possible memory leak" warnings.
 */
async function readyOrStopped(client: Client, token: string, stopped: AbortSignal): Promise<void> {
  let done = () => {};
  const settled = new Promise<void>((resolve) => {
    done = resolve;
  });
  client.once('clientReady', done);
  stopped.addEventListener('abort', done, { once: true });
  try {
    await client.login(token);
    await settled;
  } finally {
    client.off('clientReady', done);
    stopped.removeEventListener('abort', done);
  }
}

/** The commands where DISCORD_GUILD_IDS says, and none of ours left where an earlier start put them. */
async function register({ client, config, commands, log }: LoginParts): Promise<void> {
  const application = client.application;
  if (!application) return;
  await registerCommands({
    application,
    commands: toDiscordCommands(commands.registry.specs),
    guildIds: config.discord.guildIds,
    allowDms: config.discord.allowDms,
    dataDir: config.dataDir,
    log,
  });
}

/**
 * Around the client's destroy: @discordjs/ws retries a gateway it cannot connect to (refused, reset) every 500 ms
 * forever, and a destroy that lands in that pause does not end it; neither package has a public way to. Each retry
 * first asks the shard's session, which from now on never answers: the loop ends there, with no socket or timer left
 * to keep the process. discord.js keeps the session in a field typed private (`client.ws.shards`' `sessionInfo`): where
 * a version has it no more, nothing is changed and false returned, never an error in the middle of a stop.
 */
export function endGatewayRetries(client: Client): boolean {
  const never = new Promise<never>(() => {});
  try {
    const manager: unknown = Reflect.get(client, 'ws');
    const shards: unknown =
      typeof manager === 'object' && manager !== null ? Reflect.get(manager, 'shards') : undefined;
    // discord.js's Collection is a Map.
    if (!(shards instanceof Map)) return false;
    let ended = true;
    for (const shard of shards.values()) {
      const holds = typeof shard === 'object' && shard !== null && 'sessionInfo' in shard;
      ended = holds && Reflect.set(shard, 'sessionInfo', never) && ended;
    }
    return ended;
  } catch {
    return false;
  }
}
