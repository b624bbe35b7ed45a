/** Applies the SQL migrations in `db/migrations/`; called at start by the API and the worker. */
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

/** Directory holding the SQL migration files, resolved from this module rather than the cwd. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** Table where node-pg-migrate records applied migrations. */
export const MIGRATIONS_TABLE = 'pgmigrations';

/** Where migration progress goes; defaults to silence so test output stays clean. */
export interface MigrationLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const silentLogger: MigrationLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Brings the schema up to date. Concurrent starters are safe: node-pg-migrate holds a Postgres
 * advisory lock and, in `wait` mode, a second process waits for the first and then finds nothing to do.
 * Returns the names of the migrations this call applied.
 */
export async function migrate(
  databaseUrl: string,
  logger: MigrationLogger = silentLogger,
  options: { count?: number } = {},
): Promise<string[]> {
  const applied = await runner({
    // Only the first `count` pending migrations (tests bring a database to an earlier version); all when unset.
    ...(options.count !== undefined && { count: options.count }),
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'up',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    logger: { ...logger, debug: () => undefined },
  });
  return applied.map((migration) => migration.name);
}
