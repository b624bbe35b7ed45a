/** The API's structured logger: one JSON line per event, fields chosen by the caller (never bodies or secrets). */

/** Fields attached to a log line: ids, codes, durations; never request bodies, headers or Stripe objects. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What API code needs from a logger; tests pass `silentLogger`. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Writes JSON lines to stdout (info) and stderr (warn, error). */
export function createJsonLogger(service: string): Logger {
  const write = (level: 'info' | 'warn' | 'error', message: string, fields?: LogFields) => {
    const line = JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields });
    (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Name and message of an error, without stack or cause, for server-side logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
