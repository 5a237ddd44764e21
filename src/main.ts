import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './log.js';

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const log = createLogger({
    level: config.logLevel,
    secrets: [
      config.discord.token,
      config.telegram.token,
      config.telegram.webhookSecret,
      config.web.accessToken,
    ],
  });
  const app = await startApp(config, log);
  if (app.services.length === 0) {
    log.info('No service could be started yet; configuration is valid. Exiting.');
    return 0;
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      void app.stop().then(resolve);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  return 0;
}

process.exitCode = await main();
