/** Runs work inside one Postgres transaction on a dedicated pool client. */
import type pg from 'pg';

/** Anything that can run a query: the pool itself or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * BEGINs, runs `work`, COMMITs; ROLLBACKs and rethrows if `work` or the commit fails.
 *
 * A checked-out client has no 'error' listener of the pool's, so a connection the server ends
 * between two queries (a restart, a terminated backend) would crash the process with an uncaught
 * error; the transaction listens for it instead, fails, and the broken client is discarded.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let connectionError: Error | undefined;
  const onError = (error: Error) => {
    connectionError ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A broken connection cannot roll back; the server aborts the transaction when it drops.
    if (!connectionError) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    // Passing the error makes the pool destroy the client rather than hand out a dead connection.
    client.release(connectionError);
  }
}
