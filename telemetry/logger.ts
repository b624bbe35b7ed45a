/** The API's structured logger: one JSON line per event, fields chosen by the caller (never bodies or secrets). */
import { redactLogLine } from './log-redaction.js';

/** Fields attached to a log line: ids, codes, durations; never request bodies, headers or Stripe objects. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** What API code needs from a logger; tests pass `silentLogger`. */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where a JSON line goes; tests capture them. */
export type LogLineSink = (line: string, level: 'info' | 'warn' | 'error') => void;

const writeToStdio: LogLineSink = (line, level) => {
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
};

/** Writes JSON lines to stdout (info) and stderr (warn, error), emails and Stripe secrets masked. */
export function createJsonLogger(service: string, sink: LogLineSink = writeToStdio): Logger {
  const write = (level: 'info' | 'warn' | 'error', message: string, fields?: LogFields) => {
    const line = JSON.stringify({ time: new Date().toISOString(), level, service, message, ...fields });
    sink(redactLogLine(line), level);
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
