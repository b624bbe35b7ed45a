/** Recognises PostgreSQL failures that mean "the database cannot be reached right now". */

/** Socket errors of a server that is down or went away. */
const UNREACHABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);
/** SQLSTATEs of a server shutting down or starting up (class 57P); class 08 is a lost connection. */
const SERVER_GONE_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03']);
/** What `pg` and `pg-pool` throw, without a code, when a connection is lost or cannot be opened in time. */
const CONNECTION_LOST_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** True when `error`, any error in its `cause` chain or an error it aggregates, says PostgreSQL is unreachable. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 10) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (UNREACHABLE_SOCKET_CODES.has(code) || SERVER_GONE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
  )
    return true;
  if (CONNECTION_LOST_MESSAGE.test(error.message)) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
    return true;
  return isDatabaseUnavailable(error.cause, depth + 1);
}
