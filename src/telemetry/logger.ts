import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The process logger: JSON lines on stdout. Created once, in a composition root, and passed down. */
export function createLogger(options: { level: LogLevel; name: string }): Logger {
  return pino({ name: options.name, level: options.level, base: { pid: process.pid } });
}

/** What library code logs to when it was given no logger. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Yoga's logger interface, routed to pino (disabled levels are pino's no-ops). */
export function yogaLogger(logger: Logger): { debug: (...args: unknown[]) => void; info: (...args: unknown[]) => void; warn: (...args: unknown[]) => void; error: (...args: unknown[]) => void } {
  const child = logger.child({ component: 'yoga' });
  const route = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]): void => {
    if (!child.isLevelEnabled(level)) return;
    const [first, ...rest] = args;
    if (first instanceof Error) child[level]({ err: first }, rest.map(String).join(' ') || first.message);
    else child[level](args.map((a) => (typeof a === 'string' ? a : safeString(a))).join(' '));
  };
  return { debug: route('debug'), info: route('info'), warn: route('warn'), error: route('error') };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}
