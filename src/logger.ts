import { AsyncLocalStorage } from 'node:async_hooks';

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

/** Values that look like credentials are masked wherever they appear in a log line. */
const SECRET_PATTERNS = [/xox[abpers]-[A-Za-z0-9-]+/g, /xapp-[A-Za-z0-9-]+/g, /Bearer\s+[^\s"']+/gi];

export function createLogger(
  options: { level?: Level; write?: (line: string) => void; secrets?: string[] } = {},
): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Longest first, so a secret that contains another is masked whole.
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
  const context = new AsyncLocalStorage<Record<string, unknown>>();

  const redact = (line: string) => {
    let out = line;
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
    return out;
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
    write(redact(JSON.stringify(entry)));
  };

  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    withContext: (fields, work) => context.run({ ...context.getStore(), ...fields }, work),
  };
}
