import type { Config } from './config/index.js';
import type { Logger } from './log.js';

/** A running part of the bot (an adapter, the worker) that shuts down cleanly. */
export interface Service {
  name: string;
  stop(): Promise<void>;
}

export interface App {
  services: Service[];
  stop(): Promise<void>;
}

/** What `npm start` will run for this configuration, in start order. */
export function plannedServices(config: Config): string[] {
  const planned: string[] = [];
  if (config.discord.token) planned.push('discord');
  if (config.telegram.token) planned.push('telegram');
  if (planned.length === 0 || config.web.port !== undefined) planned.push('playground');
  return planned;
}

/** Starts every service the configuration asks for; stop() shuts them down in reverse order. */
export async function startApp(config: Config, log: Logger, starters: ServiceStarters = {}): Promise<App> {
  const services: Service[] = [];
  for (const name of plannedServices(config)) {
    const start = starters[name];
    if (!start) {
      log.warn({ service: name }, `The ${name} adapter is not built yet; nothing to start for it.`);
      continue;
    }
    services.push(await start(config, log));
    log.info({ service: name }, `${name} started`);
  }
  return {
    services,
    async stop() {
      for (const service of [...services].reverse()) {
        await service
          .stop()
          .catch((error: unknown) => log.error({ err: error, service: service.name }, 'stop failed'));
      }
    },
  };
}

export type ServiceStarters = Partial<Record<string, (config: Config, log: Logger) => Promise<Service>>>;
