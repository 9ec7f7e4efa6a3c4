import { existsSync } from 'node:fs';
import { createBot } from './bot.js';
import { ConfigError, loadConfig, secretsOf } from './config.js';
import { createLogger } from './logger.js';

/** `npm start`: read the configuration, build the bot, run until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  // A .env file in the working directory is read too; variables already set win.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`dex-capture-bot cannot start.\n${error.message}\nSee README.md, "Configuration".\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ secrets: secretsOf(config) });
  // A bug must not take the bot down with it: log it and carry on (state is in the store).
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  const bot = await createBot(config, { logger });
  // The handlers are in place before the bot starts (it says "ready" from inside start()): a signal that comes
  // while it starts waits for the start to settle, then stops it, instead of killing the process outright.
  const started = bot.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    started
      .catch(() => {})
      .then(() => bot.stop())
      .then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await started;
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`dex-capture-bot stopped: ${message}\n`);
  process.exit(1);
});
