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
  // Signals are handled from before the start: a SIGTERM that arrives while starting (or the instant "ready" is
  // logged) stops the bot cleanly once it has started, instead of killing it with the default action.
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
