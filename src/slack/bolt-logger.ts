import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../logger.js';

/** Bolt logs free-form arguments; route them into our structured logger (which masks secrets). */
export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) =>
    parts
      .map((part) =>
        part instanceof Error
          ? `${part.name}: ${part.message}`
          : typeof part === 'string'
            ? part
            : JSON.stringify(part),
      )
      .join(' ');
  return {
    debug: (...parts) => {
      if (level === LogLevel.DEBUG) logger.debug({ source: 'bolt' }, text(parts));
    },
    info: (...parts) => logger.info({ source: 'bolt' }, text(parts)),
    warn: (...parts) => logger.warn({ source: 'bolt' }, text(parts)),
    error: (...parts) => logger.error({ source: 'bolt' }, text(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
