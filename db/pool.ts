/** Postgres connection pool shared by the API and the worker; created by each process's main, never at import. */
import pg from 'pg';

/** Options that bound how long a caller waits for a connection (readiness checks must fail, not hang). */
export interface PoolOptions {
  max?: number;
  connectionTimeoutMillis?: number;
}

/** Creates a `pg.Pool` for `databaseUrl`; the caller owns it and ends it on shutdown. */
export function createPool(databaseUrl: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener Node would crash.
  pool.on('error', () => undefined);
  return pool;
}
