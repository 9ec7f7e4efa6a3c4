import { AsyncLocalStorage } from 'node:async_hooks';
import { redactSecrets } from './redact.js';

/** A structured logger: one JSON object per line. Bolt's and our own code log through it. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  /** Runs `work` with `fields` (e.g. a request id) added to every line logged inside it, however deep. */
  withContext<T>(fields: Record<string, unknown>, work: () => T): T;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(
  options: { level?: Level; write?: (line: string) => void; secrets?: string[] } = {},
): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const secrets = options.secrets ?? [];
  const context = new AsyncLocalStorage<Record<string, unknown>>();

  // Credentials are masked in every string (keys included) before serialising, not in the finished line: a
  // masked header line runs to the end of its line, which must stay inside its own JSON string.
  const redact = (_key: string, value: unknown): unknown => {
    if (typeof value === 'string') return redactSecrets(value, secrets);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [redactSecrets(key, secrets), inner]));
  };

  const log = (level: Level) => (fields: Record<string, unknown>, message: string) => {
    if (LEVELS[level] < threshold) return;
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      msg: message,
      ...context.getStore(),
    };
    for (const [key, value] of Object.entries(fields)) {
      entry[key] = value instanceof Error ? { name: value.name, message: value.message } : value;
    }
    write(JSON.stringify(entry, redact));
  };

  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    withContext: (fields, work) => context.run({ ...context.getStore(), ...fields }, work),
  };
}
